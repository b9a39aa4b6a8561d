"""A generated province (``python -m tools.generate_province``): synthetic children 0-8 of a real
province on both maps, and the sector RPC calls that record their lives, deterministic for a seed.

``places`` gives each commune its profile (remote or not, and the coverage that follows), ``people``
the children (cohorts, sex, personal ids, names, ethnicity, poverty, where they live), the
``*_calls`` modules each sector's records, ``calls`` orders them and counts what a report must show.
"""
