"""The service layer: every action exists here once, one package per feature.

Each feature package (``audit``, ``auth``, ``devices``, ``guard``, ``bgp``,
``doctor``, ``drill``, ``notify``, ``runbooks``, ``status``) holds its
service, its ports (Protocols the adapters implement) and its value types.
Services import ``core`` and each other; never an adapter, the config loader,
the rendering layer or a front end (tests/unit/test_layering.py checks).
``wiring`` builds adapters and hands them in.
"""
