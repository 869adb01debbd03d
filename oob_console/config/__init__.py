"""Site configuration: where it is found, how it is read, and the frozen value it becomes.

Search order (the first that applies wins; none falls through to the next):

    --config PATH                        the file named, or an error
    $OOB_HOME/config.toml                when OOB_HOME is set, or an error
    /etc/oob-console/config.toml         when it exists
    $XDG_CONFIG_HOME/oob-console/config.toml (default ~/.config/...)

A set ``OOB_HOME`` without a config is an error, never a silent fall back to
``/etc``: a drill or a test site must not touch the real site by accident.
Relative paths in the file are relative to the directory holding it, so an
``OOB_HOME`` is one self-contained site (like ``GNUPGHOME``).

This package only parses. The section each feature receives is defined in
that feature (``services/<feature>/settings.py``) and re-exported here for
the front ends and the wiring; services never import this package.
"""

from oob_console.config.loader import (
    CONFIG_NAME,
    ETC_CONFIG,
    LoadedConfig,
    default_home,
    find_config,
    load_config,
    parse_config,
    parse_toml_model,
    xdg_config_path,
)
from oob_console.config.model import Config, PathsConfig, ServerConfig, SiteConfig
from oob_console.config.secrets import read_secret
from oob_console.services.audit.settings import AuditConfig
from oob_console.services.auth.settings import ApprovalClass, ApprovalsConfig, AuthConfig, FleetConfig
from oob_console.services.bgp.settings import (
    AwsConfig,
    BgpConfig,
    BgpOwnedConfig,
    BgpRouterConfig,
    BgpSessionConfig,
    BgpSpeakerConfig,
    BgpUpstreamConfig,
    CloudflareConfig,
    LookingGlassConfig,
    RpkiConfig,
)
from oob_console.services.devices.settings import DevicesConfig
from oob_console.services.doctor.settings import DoctorConfig, EndpointConfig, ProductionConfig
from oob_console.services.drill.settings import DrillConfig
from oob_console.services.guard.settings import GUARD_APPROVAL_CLASSES, GuardConfig, with_guard_classes
from oob_console.services.notify.settings import NOTICE_EVENTS, ChannelConfig, CommsConfig

__all__ = [
    "CONFIG_NAME",
    "ETC_CONFIG",
    "GUARD_APPROVAL_CLASSES",
    "NOTICE_EVENTS",
    "ApprovalClass",
    "ApprovalsConfig",
    "AuditConfig",
    "AuthConfig",
    "AwsConfig",
    "BgpConfig",
    "BgpOwnedConfig",
    "BgpRouterConfig",
    "BgpSessionConfig",
    "BgpSpeakerConfig",
    "BgpUpstreamConfig",
    "ChannelConfig",
    "CloudflareConfig",
    "CommsConfig",
    "Config",
    "DevicesConfig",
    "DoctorConfig",
    "DrillConfig",
    "EndpointConfig",
    "FleetConfig",
    "GuardConfig",
    "LoadedConfig",
    "LookingGlassConfig",
    "PathsConfig",
    "ProductionConfig",
    "RpkiConfig",
    "ServerConfig",
    "SiteConfig",
    "default_home",
    "find_config",
    "load_config",
    "parse_config",
    "parse_toml_model",
    "read_secret",
    "with_guard_classes",
    "xdg_config_path",
]
