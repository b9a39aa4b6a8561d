"""Domain rules as pure functions over data (``data/``): the EPI schedule, WHO growth standards, the
school-age rules, protection's categories, Vietnam's administrative units, the calendar.

They import nothing of the platform, so every layer may use them.
"""
