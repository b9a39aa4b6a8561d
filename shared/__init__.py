"""The platform's common package: the only contract services share, in four layers.

``rules`` (domain rules over data: EPI schedule, WHO growth, school ages, protection categories,
administrative units, the calendar) imports nothing of the platform. ``contracts`` (event envelope,
payload schemas per source, input fields, facts) uses rules; ``exceptions`` (typed errors, whose
module path is part of the RPC wire format) stays at the top. ``plumbing`` (database, outbox,
reliable consumer, event logs, metrics, a prompt stop) uses contracts' errors. ``kit`` (what every
sector service is: write path, records, registry copy, access, audit) uses all three. The arrows go
one way: rules <- contracts <- plumbing <- kit <- services.
"""
