"""``oob demo``: a throw-away site on this machine, everything on loopback, nothing left behind.

``demo.routers`` runs a few demo routers (in-process SSH servers with a small
FRR-like CLI); ``demo.site`` builds the site around them. Demo users' keys
are software authenticators, labelled as such everywhere they appear.
"""
