"""The LTI 1.3 vocabulary Lodestar speaks, spelled once: claim names, message types, service
scopes, media types, role URIs and the issuers cloud LMSs share.

Every other module imports these names instead of writing out the URLs, so a typo cannot
make one module read a claim another never writes. Each group names the spec section that
defines it. (The sandbox LMS keeps its own copy in ``lti_tool/sandbox/vocab.py``: it stands
for an independent platform and imports nothing of the product.)
"""

from __future__ import annotations

from typing import Final

# --- id_token claims ---------------------------------------------------------------------
# LTI 1.3 core, section 5 (https://www.imsglobal.org/spec/lti/v1p3/#required-message-claims
# and #optional-message-claims).

#: The prefix every core LTI claim shares.
CLAIM: Final = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE_CLAIM: Final = CLAIM + "message_type"
DEPLOYMENT_ID_CLAIM: Final = CLAIM + "deployment_id"
RESOURCE_LINK_CLAIM: Final = CLAIM + "resource_link"
ROLES_CLAIM: Final = CLAIM + "roles"
#: LTI 1.3 core 5.4.8: the people a Mentor launch speaks for.
ROLE_SCOPE_MENTOR_CLAIM: Final = CLAIM + "role_scope_mentor"
CONTEXT_CLAIM: Final = CLAIM + "context"
TOOL_PLATFORM_CLAIM: Final = CLAIM + "tool_platform"
CUSTOM_CLAIM: Final = CLAIM + "custom"
LAUNCH_PRESENTATION_CLAIM: Final = CLAIM + "launch_presentation"
LIS_CLAIM: Final = CLAIM + "lis"
#: Names and Role Provisioning Services 2.0, 3.6.1
#: (https://www.imsglobal.org/spec/lti-nrps/v2p0#lti-1-3-integration).
NRPS_CLAIM: Final = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
#: Assignment and Grade Services 2.0, 3.1 (https://www.imsglobal.org/spec/lti-ags/v2p0#claim-for-inclusion-in-lti-messages).
AGS_CLAIM: Final = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
#: Deep Linking 2.0, 4.4 (https://www.imsglobal.org/spec/lti-dl/v2p0#deep-linking-request-message).
DEEP_LINKING_CLAIM: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

#: Claims that must be JSON objects when present (LTI 1.3 core, sections 5.3-5.4; NRPS, AGS
#: and Deep Linking claims).
OBJECT_CLAIMS: Final = (
    CONTEXT_CLAIM,
    RESOURCE_LINK_CLAIM,
    CUSTOM_CLAIM,
    LIS_CLAIM,
    LAUNCH_PRESENTATION_CLAIM,
    TOOL_PLATFORM_CLAIM,
    NRPS_CLAIM,
    AGS_CLAIM,
    DEEP_LINKING_CLAIM,
)

# --- Message types -----------------------------------------------------------------------
# LTI 1.3 core 5.3.1 (https://www.imsglobal.org/spec/lti/v1p3/#message-type-claim) and
# Deep Linking 2.0, 4.4.

RESOURCE_LINK_REQUEST: Final = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST: Final = "LtiDeepLinkingRequest"

# --- Service scopes ----------------------------------------------------------------------
# NRPS 2.0, 3.6.1 and AGS 2.0, 3.1-3.3 (https://www.imsglobal.org/spec/lti-ags/v2p0#scope-and-allowed-http-methods).

NRPS_SCOPE: Final = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_LINEITEM: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_LINEITEM_READONLY: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_RESULT: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCORE: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
#: Every service scope Lodestar asks for (developer key, Dynamic Registration, tokens).
SCOPES: Final = (NRPS_SCOPE, AGS_LINEITEM, AGS_LINEITEM_READONLY, AGS_RESULT, AGS_SCORE)

#: 1EdTech Security Framework 1.0, 4.1
#: (https://www.imsglobal.org/spec/security/v1p0/#using-json-web-tokens-with-oauth-2-0-client-credentials-grant).
CLIENT_ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# --- Media types -------------------------------------------------------------------------
# NRPS 2.0, 2.2 (https://www.imsglobal.org/spec/lti-nrps/v2p0#membership-container-media-type)
# and AGS 2.0, 3.2-3.4 (https://www.imsglobal.org/spec/lti-ags/v2p0#media-types-and-schemas).

NRPS_MEDIA: Final = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEMS_MEDIA: Final = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM_MEDIA: Final = "application/vnd.ims.lis.v2.lineitem+json"
RESULTS_MEDIA: Final = "application/vnd.ims.lis.v2.resultcontainer+json"
SCORE_MEDIA: Final = "application/vnd.ims.lis.v1.score+json"

# --- Dynamic Registration ----------------------------------------------------------------
# LTI Dynamic Registration 1.0, 3.4 and 3.6 (https://www.imsglobal.org/spec/lti-dr/v1p0).

TOOL_CONFIGURATION: Final = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION: Final = "https://purl.imsglobal.org/spec/lti-platform-configuration"

# --- Roles -------------------------------------------------------------------------------
# LTI 1.3 core, appendix A.2 (https://www.imsglobal.org/spec/lti/v1p3/#role-vocabularies).

MEMBERSHIP: Final = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
#: Prefix of context sub-roles: ``.../membership/Instructor#TeachingAssistant`` (A.2.3.1).
MEMBERSHIP_SUBROLE: Final = "http://purl.imsglobal.org/vocab/lis/v2/membership/"
INSTITUTION: Final = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM: Final = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

#: The context roles Lodestar maps (``launch/roles.py``): student, teacher, guardian.
LEARNER: Final = MEMBERSHIP + "Learner"
INSTRUCTOR: Final = MEMBERSHIP + "Instructor"
MENTOR: Final = MEMBERSHIP + "Mentor"
TEACHING_ASSISTANT: Final = MEMBERSHIP_SUBROLE + "Instructor#TeachingAssistant"
INSTITUTION_ADMIN: Final = INSTITUTION + "Administrator"
INSTITUTION_STUDENT: Final = INSTITUTION + "Student"
INSTITUTION_LEARNER: Final = INSTITUTION + "Learner"
SYSTEM_ADMIN: Final = SYSTEM + "Administrator"

#: LTI 1.1 role prefixes (LTI 1.1 implementation guide, A.2), still seen in some rosters,
#: and the LTI 1.3 prefix each stands for.
LEGACY_ROLE_PREFIXES: Final = {
    "urn:lti:role:ims/lis/": MEMBERSHIP,
    "urn:lti:instrole:ims/lis/": INSTITUTION,
    "urn:lti:sysrole:ims/lis/": SYSTEM,
}

# --- Platforms ---------------------------------------------------------------------------

#: Issuers shared by every customer of a cloud LMS (Canvas cloud and its beta and test
#: instances; Schoology). See the Canvas LTI docs ("iss" is canvas.instructure.com for all
#: cloud accounts) and Schoology's LTI 1.3 docs.
SHARED_ISSUERS: Final = frozenset(
    {
        "https://canvas.instructure.com",
        "https://canvas.beta.instructure.com",
        "https://canvas.test.instructure.com",
        "https://schoology.schoology.com",
    }
)

#: Canvas's extension keys (Canvas's ``Lti::IMS::Registration`` and its
#: ``LtiToolConfiguration`` schema; ``Lti::Result::AGS_EXT_SUBMISSION`` for scores).
CANVAS_EXT: Final = "https://canvas.instructure.com/lti/"
CANVAS_SUBMISSION_EXT: Final = CANVAS_EXT + "submission"
