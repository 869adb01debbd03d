"""Emergency BGP decisions: intents, preflight checks, desired state, stages.

Pure like the rest of ``core``: values in, values out. The service layer feeds
these modules with config, the VRP snapshot and the journal's rows; adapters
(ExaBGP, router, provider APIs) carry the decisions out.
"""
