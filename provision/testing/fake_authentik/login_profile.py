"""How one Authentik release runs a browser login (transcript 13, steps 4-7), where releases differ.

2025.10.3 sends an anonymous browser from the authorize endpoint through
``/flows/-/default/authentication/`` to the flow interface; 2026.2.2 sends it straight there
with the authorize query kept, and its challenges and pages carry a few more fields.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoginProfile:
    """The login's answers that differ between releases."""

    # The authorize endpoint sends an anonymous browser to ``/if/flow/<slug>/?<its query>&next=``
    # (else to ``/flows/-/default/authentication/?next=``).
    straight_to_flow_interface: bool
    # ``flow_info`` carries ``background_themed_urls`` and a ``cancel_url`` keeping ``next``.
    themed_flow_info: bool
    # The identification challenge names ``pending_user_identifier``, the application's launch
    # URL (``application_pre_launch``) and a ``passkey_challenge``.
    identification_extras: bool
    # The "Permission denied" page offers "Go home"; it sets the CSRF cookie.
    denied_go_home: bool
    denied_sets_csrf: bool
    # The login's last answer sets the ``authentik_device`` cookie (not on 2024.12.5), and the
    # "Permission denied" page sets the session cookie again (only 2024.12.5).
    device_cookie: bool = True
    denied_sets_session: bool = False
    # The identification challenge offers ``enable_remember_me`` (not on 2024.12.5).
    remember_me: bool = True
    # "Permission denied" shows the "Successfully logged in!" message (2024.12.5).
    denied_shows_login_message: bool = False


LOGIN_2025_10 = LoginProfile(
    straight_to_flow_interface=False,
    themed_flow_info=False,
    identification_extras=False,
    denied_go_home=False,
    denied_sets_csrf=True,
)

LOGIN_2024_12 = LoginProfile(
    straight_to_flow_interface=False,
    themed_flow_info=False,
    identification_extras=False,
    denied_go_home=False,
    denied_sets_csrf=True,
    device_cookie=False,
    denied_sets_session=True,
    remember_me=False,
    denied_shows_login_message=True,
)

LOGIN_2026_2 = LoginProfile(
    straight_to_flow_interface=True,
    themed_flow_info=True,
    identification_extras=True,
    denied_go_home=True,
    denied_sets_csrf=False,
)
