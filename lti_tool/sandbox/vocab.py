"""LTI 1.3 / LIS vocabulary used by the sandbox platform.

Role URIs, claim names, OAuth2 scopes and media types are spelled out once
here so the rest of the sandbox (and tests) can import them instead of
repeating long URLs.
"""

from __future__ import annotations

from typing import Final

# --- Roles -----------------------------------------------------------------

_MEMBERSHIP: Final = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_INSTITUTION: Final = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
_SYSTEM: Final = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

ROLE_LEARNER: Final = _MEMBERSHIP + "Learner"
ROLE_INSTRUCTOR: Final = _MEMBERSHIP + "Instructor"
ROLE_MENTOR: Final = _MEMBERSHIP + "Mentor"
ROLE_CONTENT_DEVELOPER: Final = _MEMBERSHIP + "ContentDeveloper"
#: Sub-role; the LTI 1.3 spec asks platforms to send the principal role (Instructor) with it.
ROLE_TEACHING_ASSISTANT: Final = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
)

INST_ADMINISTRATOR: Final = _INSTITUTION + "Administrator"
INST_STAFF: Final = _INSTITUTION + "Staff"
INST_STUDENT: Final = _INSTITUTION + "Student"
INST_FACULTY: Final = _INSTITUTION + "Faculty"
INST_MENTOR: Final = _INSTITUTION + "Mentor"
INST_INSTRUCTOR: Final = _INSTITUTION + "Instructor"

SYS_USER: Final = _SYSTEM + "User"
SYS_ADMINISTRATOR: Final = _SYSTEM + "Administrator"
#: The LIS v2 "person#Administrator" URI (no institution/ or system/ part) that Moodle's
#: memberships service still sends for site administrators.
PERSON_ADMINISTRATOR: Final = "http://purl.imsglobal.org/vocab/lis/v2/person#Administrator"

CONTEXT_TYPE_COURSE_OFFERING: Final = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
#: Canvas names a non-course context by its class name (``Lti::Messages::JwtMessage``).
CONTEXT_TYPE_ACCOUNT: Final = "Account"

# --- id_token claims -------------------------------------------------------

_LTI: Final = "https://purl.imsglobal.org/spec/lti/claim/"

CLAIM_MESSAGE_TYPE: Final = _LTI + "message_type"
CLAIM_VERSION: Final = _LTI + "version"
CLAIM_DEPLOYMENT_ID: Final = _LTI + "deployment_id"
CLAIM_TARGET_LINK_URI: Final = _LTI + "target_link_uri"
CLAIM_RESOURCE_LINK: Final = _LTI + "resource_link"
CLAIM_ROLES: Final = _LTI + "roles"
CLAIM_ROLE_SCOPE_MENTOR: Final = _LTI + "role_scope_mentor"
CLAIM_CONTEXT: Final = _LTI + "context"
CLAIM_TOOL_PLATFORM: Final = _LTI + "tool_platform"
CLAIM_CUSTOM: Final = _LTI + "custom"
CLAIM_LAUNCH_PRESENTATION: Final = _LTI + "launch_presentation"
CLAIM_LIS: Final = _LTI + "lis"

CLAIM_NRPS: Final = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CLAIM_AGS: Final = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
#: Canvas extension claim naming the placement of the launch.
CLAIM_CANVAS_PLACEMENT: Final = "https://www.instructure.com/placement"

CLAIM_DL_SETTINGS: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CLAIM_DL_CONTENT_ITEMS: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
CLAIM_DL_DATA: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
CLAIM_DL_MSG: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
CLAIM_DL_ERRORMSG: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"

LTI_VERSION: Final = "1.3.0"
MESSAGE_RESOURCE_LINK: Final = "LtiResourceLinkRequest"
MESSAGE_DEEP_LINKING: Final = "LtiDeepLinkingRequest"
MESSAGE_DEEP_LINKING_RESPONSE: Final = "LtiDeepLinkingResponse"
MESSAGE_TYPES: Final = frozenset({MESSAGE_RESOURCE_LINK, MESSAGE_DEEP_LINKING})

# --- OAuth2 scopes ---------------------------------------------------------

SCOPE_NRPS: Final = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPE_LINEITEM: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/score"

AGS_SCOPES: Final = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE)
SUPPORTED_SCOPES: Final = frozenset((SCOPE_NRPS, *AGS_SCOPES))

#: How the token endpoint answers a request naming a scope the registration lacks:
#: ``canvas`` refuses the whole request with 400 ``invalid_scope`` (Canvas's
#: ``Provider#valid_scopes?`` requires every requested scope on the developer key);
#: ``moodle`` grants the permitted ones and names them in ``scope`` (Moodle's
#: ``mod/lti/token.php`` intersects them; ``invalid_scope`` only when none is left).
SCOPE_POLICIES: Final = frozenset({"canvas", "moodle"})

# --- Canvas extensions -----------------------------------------------------

#: Canvas's score extension: ``new_submission``, ``submission_type``, ``submitted_at``, ...
CANVAS_SUBMISSION_EXT: Final = "https://canvas.instructure.com/lti/submission"
#: ``submission_type`` values Canvas's scores controller accepts (default ``external_tool``).
CANVAS_SUBMISSION_TYPES: Final = frozenset(
    {
        "none",
        "basic_lti_launch",
        "online_text_entry",
        "online_url",
        "external_tool",
        "online_upload",
    }
)

CLIENT_ASSERTION_TYPE_JWT: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# --- Media types -----------------------------------------------------------

MT_MEMBERSHIP_CONTAINER: Final = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MT_LINEITEM: Final = "application/vnd.ims.lis.v2.lineitem+json"
MT_LINEITEM_CONTAINER: Final = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MT_RESULT_CONTAINER: Final = "application/vnd.ims.lis.v2.resultcontainer+json"
MT_SCORE: Final = "application/vnd.ims.lis.v1.score+json"

ACTIVITY_PROGRESS: Final = frozenset(
    {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
)
GRADING_PROGRESS: Final = frozenset(
    {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
)
