"""The data inventory: every column of every table, personal or not, as data.

The privacy page and the README describe what Lodestar stores from this one list, and a test
(``tests/privacy/test_inventory.py``) fails when a table or column of the schema is missing
here, or when this list names one the schema no longer has: a new column must be classified
(personal: what it is, where it comes from, who sees it; or not personal) before it ships.

"Who sees it" follows ``lti_tool/policy.py``: a student's plan is read by the student, the
teachers of a course the student is actively enrolled in, the student's guardians
(``role_scope_mentor``) and counselors (their caseload); accommodations are not shown to
teachers; admins export and delete.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Source(enum.StrEnum):
    """Where a personal value comes from."""

    LAUNCH = "the LMS, when the person opens Lodestar (LTI launch)"
    NRPS = "the LMS class roster (LTI Names and Roles)"
    AGS = "the LMS gradebook (LTI Assignment and Grade Services)"
    LMS_REST = "the LMS's REST API (Canvas or Schoology), when the district connects it"
    CSV = "a district CSV import"
    STUDENT = "the student"
    TEACHER = "a teacher"
    COUNSELOR = "a counselor"
    GUARDIAN = "a parent or guardian"
    ADMIN = "a Lodestar admin of the district"
    LODESTAR = "Lodestar itself (recorded as people use it)"


class Audience(enum.StrEnum):
    """Who may see a personal value in Lodestar's pages (see ``lti_tool/policy.py``)."""

    PERSON = "the person themself"
    STUDENT = "the student"
    TEACHERS = "the student's current teachers"
    COURSE_TEACHERS = "the teachers of the course"
    GUARDIANS = "the student's parents or guardians"
    COUNSELORS = (
        "the student's counselors (their caseload; every counselor until the district "
        "assigns caseloads)"
    )
    ADMINS = "district admins"
    NOBODY = "nobody in the pages (used by Lodestar only)"


class Kept(enum.StrEnum):
    """How long a kind of record is kept."""

    PERSON = (
        "While the person is in the district's LMS; deleted on request (admin page), with "
        "the whole district, or after graduation once the district's retention period ends"
    )
    PLAN = (
        "With the student's plan; what a student deletes can be brought back for 30 days, "
        "then it is removed for good"
    )
    PLAN_ONLY = "With the student's plan (deleted with the student)"
    ROSTER = (
        "As long as the LMS lists it; a sync never deletes, it marks rows inactive; deleted "
        "with the person or the course"
    )
    SESSION = (
        "Ends after 60 idle minutes (ILP_SESSION_IDLE_MINUTES) or at sign-out; the row is "
        "deleted a day later"
    )
    SHORT = "Minutes to hours (ILP_OIDC_TTL, ILP_LAUNCH_TOKEN_TTL), then removed automatically"
    AUDIT = (
        "Kept with the district's data as the record of who saw or changed what; when a "
        "student is deleted their words are removed from it, ids and counts stay"
    )
    TENANT = "Until the district stops using Lodestar and its data is deleted"
    REFERENCE = "Public reference data, replaced by newer releases"
    TOOL = "Until rotated or removed by the operator"


@dataclass(frozen=True)
class Field:
    """One personal column."""

    column: str
    what: str
    sources: tuple[Source, ...]
    seen_by: tuple[Audience, ...]
    #: Special care: restricted from some readers, or secrets.
    sensitive: bool = False


@dataclass(frozen=True)
class Table:
    """One table: what it holds, how long, its personal columns and the rest."""

    name: str
    about: str
    kept: Kept
    personal: tuple[Field, ...]
    #: Columns that hold no personal data (ids, timestamps, settings, reference values).
    other: frozenset[str]

    @property
    def columns(self) -> frozenset[str]:
        """Every column this entry classifies."""
        return self.other | {f.column for f in self.personal}


# Audiences of a student's plan (policy READ_PLAN) and of their accommodations.
PLAN_READERS = (
    Audience.STUDENT,
    Audience.TEACHERS,
    Audience.GUARDIANS,
    Audience.COUNSELORS,
    Audience.ADMINS,
)
RESTRICTED = (Audience.STUDENT, Audience.GUARDIANS, Audience.COUNSELORS, Audience.ADMINS)
STAFF = (Audience.COUNSELORS, Audience.ADMINS)
ROSTER_READERS = (Audience.PERSON, Audience.COURSE_TEACHERS, Audience.COUNSELORS, Audience.ADMINS)


def _table(
    name: str,
    about: str,
    kept: Kept,
    other: str,
    *fields: tuple[str, str, tuple[Source, ...], tuple[Audience, ...]] | Field,
) -> Table:
    personal = tuple(f if isinstance(f, Field) else Field(*f) for f in fields)
    return Table(name, about, kept, personal, frozenset(other.split()))


S, A = Source, Audience
_STUDENT = (S.STUDENT,)
_REF = "Public reference data (no personal data)"

TABLES: tuple[Table, ...] = (
    # -- people and their place in the district ------------------------------------------
    _table(
        "people",
        "Everyone who opened Lodestar or is on a class roster",
        Kept.PERSON,
        "id tenant_id created_at updated_at",
        ("name", "Full name", (S.LAUNCH, S.NRPS), PLAN_READERS),
        ("given_name", "First name", (S.LAUNCH, S.NRPS), PLAN_READERS),
        ("family_name", "Last name", (S.LAUNCH, S.NRPS), PLAN_READERS),
        ("email", "Email address", (S.LAUNCH, S.NRPS), ROSTER_READERS),
        ("sub", "The LMS's opaque user id", (S.LAUNCH, S.NRPS), (A.NOBODY,)),
        ("lms_user_id", "The LMS's own user id", (S.LAUNCH,), STAFF),
        ("sis_id", "Student information system id", (S.LAUNCH, S.NRPS, S.CSV), STAFF),
        ("institution_roles", "Roles at the school (LMS)", (S.LAUNCH,), (A.ADMINS,)),
        ("last_launch_at", "When they last opened Lodestar", (S.LODESTAR,), STAFF),
        ("erased_at", "When their data was deleted on request", (S.ADMIN,), (A.ADMINS,)),
        ("grade_level", "Grade level", (S.LAUNCH, S.CSV), PLAN_READERS),
        ("graduation_year", "Graduation year", (S.LAUNCH, S.CSV), PLAN_READERS),
        ("school", "School", (S.LAUNCH, S.CSV), PLAN_READERS),
        ("student_info_source", "Where grade and school came from", (S.LODESTAR,), STAFF),
        ("archived_at", "When a graduate was archived", (S.LODESTAR,), STAFF),
    ),
    _table(
        "enrollments",
        "Who is in which course, and in what role",
        Kept.ROSTER,
        "id course_id person_id source last_seen_at asserted_at created_at updated_at",
        ("role", "Role in the course", (S.LAUNCH, S.NRPS, S.LMS_REST), ROSTER_READERS),
        ("status", "Active or not", (S.LAUNCH, S.NRPS, S.LMS_REST), ROSTER_READERS),
        ("lti_roles", "Roles as the LMS sent them", (S.LAUNCH, S.NRPS), (A.NOBODY,)),
    ),
    _table(
        "mentorships",
        "Which parent or guardian may see which student",
        Kept.ROSTER,
        "id tenant_id student_id course_id active created_at updated_at",
        ("guardian_id", "The guardian linked to the student", (S.LAUNCH,), STAFF),
    ),
    _table(
        "role_grants",
        "Counselor and admin rights given in Lodestar",
        Kept.TENANT,
        "id tenant_id role person_id source granted_by created_at",
        ("email", "Email of a person granted before their first launch", (S.ADMIN,), STAFF),
        ("sub", "LMS user id of a person granted before launch", (S.ADMIN,), (A.ADMINS,)),
    ),
    _table(
        "caseload_rules",
        "Which students each counselor looks after (lists, grades, letters, schools)",
        Kept.TENANT,
        "id tenant_id grant_id kind student_id grade_level alpha_from alpha_to school "
        "created_by created_at",
    ),
    _table(
        "user_sessions",
        "Signed-in sessions (only a hash of the secret is stored)",
        Kept.SESSION,
        "id handle secret_hash mode tenant_id person_id course_id launch_id created_at "
        "ended_at end_reason",
        ("roles", "Roles of the session", (S.LAUNCH,), (A.NOBODY,)),
        ("last_seen_at", "Time of the last request", (S.LODESTAR,), (A.NOBODY,)),
    ),
    _table(
        "audit_events",
        "Who saw or changed which record, and when",
        Kept.AUDIT,
        "id tenant_id actor_id subject_type subject_id",
        ("action", "What was done (viewed a plan, changed a goal)", (S.LODESTAR,), (A.ADMINS,)),
        ("detail", "Details: ids, counts, titles", (S.LODESTAR,), (A.ADMINS,)),
        ("created_at", "When", (S.LODESTAR,), (A.ADMINS,)),
    ),
    _table(
        "short_lived_values",
        "Login state, launch data and caches",
        Kept.SHORT,
        "key expires_at",
        (
            "value",
            "A launch's claims (name, email, roles) for a few hours",
            (S.LAUNCH,),
            (A.NOBODY,),
        ),
    ),
    # -- the plan --------------------------------------------------------------------------
    _table(
        "plans",
        "The student's Individual Learning Plan",
        Kept.PLAN_ONLY,
        "id tenant_id person_id framework_version program_of_study_id show_guide "
        "created_at updated_at",
        ("about", "About me, in the student's words", _STUDENT, PLAN_READERS),
        ("grade_level", "Grade level the student entered", _STUDENT, PLAN_READERS),
        ("graduation_year", "Graduation year the student entered", _STUDENT, PLAN_READERS),
        ("interests", "Interests", _STUDENT, PLAN_READERS),
        ("strengths", "Strengths", _STUDENT, PLAN_READERS),
        ("skills", "Skills", _STUDENT, PLAN_READERS),
        ("abilities", "Abilities", _STUDENT, PLAN_READERS),
        ("hobbies", "Hobbies", _STUDENT, PLAN_READERS),
        ("career_exploration", "Career exploration notes", _STUDENT, PLAN_READERS),
        ("college_planning", "College planning notes", _STUDENT, PLAN_READERS),
        ("financial_planning", "Financial planning notes", _STUDENT, PLAN_READERS),
        Field(
            "accommodations",
            "Accommodation needs (not shown to teachers)",
            _STUDENT,
            RESTRICTED,
            sensitive=True,
        ),
        ("cluster_codes", "Chosen career clusters", _STUDENT, PLAN_READERS),
        ("pathway_codes", "Chosen career pathways", _STUDENT, PLAN_READERS),
        ("inventory_answers", "Interest inventory answers", _STUDENT, PLAN_READERS),
        ("inventory_code", "Interest inventory result", _STUDENT, PLAN_READERS),
        ("inventory_taken_at", "When the inventory was taken", _STUDENT, PLAN_READERS),
        ("state_code", "State where the student looks at jobs", _STUDENT, PLAN_READERS),
        ("metro_code", "Metro area where the student looks at jobs", _STUDENT, PLAN_READERS),
        ("courses_imported_at", "When courses came from the LMS", (S.LODESTAR,), PLAN_READERS),
    ),
    _table(
        "goals",
        "The student's goals",
        Kept.PLAN,
        "id plan_id created_at updated_at deleted_at",
        ("category", "Kind of goal", _STUDENT, PLAN_READERS),
        ("statement", "The goal", _STUDENT, PLAN_READERS),
        ("target_date", "Target date", _STUDENT, PLAN_READERS),
        ("measures", "How the student will know", _STUDENT, PLAN_READERS),
        ("status", "Progress", _STUDENT, PLAN_READERS),
        ("cluster_code", "Career cluster of the goal", _STUDENT, PLAN_READERS),
        ("soc_code", "Occupation of the goal", _STUDENT, PLAN_READERS),
    ),
    _table(
        "milestones",
        "Steps toward a goal",
        Kept.PLAN_ONLY,
        "id goal_id created_at",
        ("title", "The step", _STUDENT, PLAN_READERS),
        ("due_date", "Due date", _STUDENT, PLAN_READERS),
        ("done", "Done or not", _STUDENT, PLAN_READERS),
    ),
    _table(
        "course_plan_entries",
        "The four-year course plan, with grades",
        Kept.PLAN,
        "id plan_id source lms_course_id created_at deleted_at",
        ("grade_level", "Grade the course is taken in", _STUDENT, PLAN_READERS),
        ("course_name", "Course", (S.STUDENT, S.LMS_REST), PLAN_READERS),
        ("subject", "Subject", (S.STUDENT, S.LMS_REST), PLAN_READERS),
        ("credits", "Credits", (S.STUDENT,), PLAN_READERS),
        ("status", "Planned, in progress or done", (S.STUDENT, S.LMS_REST), PLAN_READERS),
        ("final_grade", "Final grade", (S.STUDENT, S.LMS_REST), PLAN_READERS),
        ("term", "Term", (S.STUDENT, S.LMS_REST), PLAN_READERS),
        ("score_percent", "Course score", (S.LMS_REST,), PLAN_READERS),
    ),
    _table(
        "plan_items",
        "Activities, awards, assessments, work, service and contacts",
        Kept.PLAN_ONLY,
        "id plan_id kind created_at",
        ("title", "Title (or a contact's name)", _STUDENT, PLAN_READERS),
        ("detail", "Details", _STUDENT, PLAN_READERS),
        ("date", "Date", _STUDENT, PLAN_READERS),
        ("score", "Assessment score", _STUDENT, PLAN_READERS),
        ("relationship_label", "A contact's relationship (parent, mentor)", _STUDENT, PLAN_READERS),
        ("email", "A contact's email", _STUDENT, PLAN_READERS),
        ("phone", "A contact's phone number (for example a parent's)", _STUDENT, PLAN_READERS),
        ("organization", "Employer or organisation", _STUDENT, PLAN_READERS),
        ("role", "The student's role there", _STUDENT, PLAN_READERS),
        ("learning_kind", "Kind of work-based learning", _STUDENT, PLAN_READERS),
        ("hours_per_week", "Hours per week", _STUDENT, PLAN_READERS),
        ("total_hours", "Total hours", _STUDENT, PLAN_READERS),
        ("start_date", "Start date", _STUDENT, PLAN_READERS),
        ("end_date", "End date", _STUDENT, PLAN_READERS),
        ("learned", "What the student learned", _STUDENT, PLAN_READERS),
    ),
    _table(
        "plan_comments",
        "Comments on a plan",
        Kept.PLAN_ONLY,
        "id plan_id author_id author_role parent_id created_at",
        ("body", "The comment", (S.TEACHER, S.COUNSELOR, S.GUARDIAN, S.STUDENT), PLAN_READERS),
    ),
    _table(
        "notices",
        "What's new: a note that something happened on a plan (ids only, no words)",
        Kept.PLAN_ONLY,
        "id tenant_id recipient_id actor_id student_id plan_id comment_id",
        (
            "kind",
            "What happened (a comment, a reply, submitted, returned, approved, signed)",
            (S.LODESTAR,),
            (A.PERSON,),
        ),
        ("created_at", "When it happened", (S.LODESTAR,), (A.PERSON,)),
        ("read_at", "When the person read it", (S.LODESTAR,), (A.PERSON,)),
        ("channel", "How it was also sent: Canvas Inbox or email", (S.LODESTAR,), (A.NOBODY,)),
        ("delivered_at", "When it was sent outside Lodestar", (S.LODESTAR,), (A.NOBODY,)),
        ("delivery_error", "Why sending failed (no personal data)", (S.LODESTAR,), (A.NOBODY,)),
    ),
    _table(
        "plan_snapshots",
        "A copy of the plan per school year, with review and sign-off",
        Kept.PLAN_ONLY,
        "id plan_id school_year approved_by signed_by returned_by status created_at updated_at",
        ("data", "The whole plan as it was that year", _STUDENT, PLAN_READERS),
        ("approved_at", "When a counselor approved it", (S.COUNSELOR,), PLAN_READERS),
        ("submitted_at", "When the student submitted it", _STUDENT, PLAN_READERS),
        ("returned_at", "When a counselor returned it", (S.COUNSELOR,), PLAN_READERS),
        ("signed_at", "When a guardian signed it", (S.GUARDIAN,), PLAN_READERS),
        ("signature_name", "The signer's name", (S.GUARDIAN,), PLAN_READERS),
        (
            "signed_with_account",
            "Signed with the guardian's own account",
            (S.GUARDIAN,),
            PLAN_READERS,
        ),
        (
            "reviewed_with_child",
            "Guardian confirmed reviewing it with the child",
            (S.GUARDIAN,),
            PLAN_READERS,
        ),
    ),
    _table(
        "resume_settings",
        "How the student's resume is laid out",
        Kept.PLAN_ONLY,
        "id plan_id section_order left_out created_at updated_at",
        ("hidden", "Entries left off the resume", _STUDENT, (A.STUDENT,)),
        ("contact", "Contact details shown on the resume", _STUDENT, (A.STUDENT,)),
    ),
    _table(
        "journey_ticks",
        "Grade 6-12 journey steps the student ticked",
        Kept.PLAN_ONLY,
        "id plan_id created_at",
        ("step_key", "A step done", _STUDENT, PLAN_READERS),
    ),
    _table(
        "checklist_ticks",
        "Money checklist items the student ticked",
        Kept.PLAN_ONLY,
        "id plan_id created_at",
        ("item_key", "An item done", _STUDENT, PLAN_READERS),
    ),
    _table(
        "postsecondary_options",
        "Colleges, programs and other options the student considers",
        Kept.PLAN_ONLY,
        "id plan_id catalogue_program_id kind goal_ids soc_codes created_at updated_at",
        ("name", "Program", _STUDENT, PLAN_READERS),
        ("institution", "School or employer", _STUDENT, PLAN_READERS),
        ("location", "Where", _STUDENT, PLAN_READERS),
        ("url", "Web address", _STUDENT, PLAN_READERS),
        ("status", "Considering, applied, accepted", _STUDENT, PLAN_READERS),
        ("deadline", "Deadline", _STUDENT, PLAN_READERS),
        ("notes", "Notes", _STUDENT, PLAN_READERS),
    ),
    _table(
        "application_tasks",
        "Application steps (essays, letters) for an option",
        Kept.PLAN_ONLY,
        "id option_id kind created_at",
        ("name", "The step", _STUDENT, PLAN_READERS),
        ("status", "Done or not", _STUDENT, PLAN_READERS),
    ),
    _table(
        "plan_saved_occupations",
        "Occupations the student saved",
        Kept.PLAN_ONLY,
        "id plan_id soc_code saved_at",
        ("note", "The student's note", _STUDENT, PLAN_READERS),
    ),
    _table(
        "resource_recommendations",
        "Community resources a counselor recommended to a student",
        Kept.PLAN_ONLY,
        "id plan_id resource_id recommended_by status_changed_at created_at updated_at",
        ("note", "The counselor's note", (S.COUNSELOR,), PLAN_READERS),
        ("status", "What the student did with it", _STUDENT, PLAN_READERS),
    ),
    # -- evidence and files ----------------------------------------------------------------
    _table(
        "evidence",
        "Class work linked to the student's goals",
        Kept.PLAN,
        "id tenant_id plan_id goal_id student_id kind course_id assignment_id file_id "
        "attached_by attached_as snapshot_extra created_at updated_at deleted_at",
        ("reflection", "The student's reflection", _STUDENT, PLAN_READERS),
        ("note", "A teacher's note", (S.TEACHER,), PLAN_READERS),
        ("snapshot_title", "Title of the work", (S.STUDENT, S.TEACHER, S.AGS), PLAN_READERS),
        ("snapshot_score", "Score", (S.AGS, S.LMS_REST), PLAN_READERS),
        ("snapshot_score_maximum", "Points possible", (S.AGS, S.LMS_REST), PLAN_READERS),
        ("snapshot_date", "Date of the work", (S.AGS, S.LMS_REST), PLAN_READERS),
        ("snapshot_url", "Link to the work", (S.STUDENT, S.LMS_REST), PLAN_READERS),
        ("snapshot_digest", "Fingerprint of the file", (S.LODESTAR,), (A.NOBODY,)),
    ),
    _table(
        "stored_files",
        "Files students upload (kept inside the database)",
        Kept.PLAN_ONLY,
        "id tenant_id owner_id content_type size sha256 created_at",
        ("filename", "File name", _STUDENT, PLAN_READERS),
        ("content", "The file itself", _STUDENT, PLAN_READERS),
    ),
    _table(
        "reflection_reviews",
        "A teacher's score and comment on a student's reflection",
        Kept.PLAN_ONLY,
        "id tenant_id activity_id student_id scored_by scored_at gradebook created_at updated_at",
        ("level", "Rubric level", (S.TEACHER,), (A.STUDENT, A.COURSE_TEACHERS)),
        ("score", "Score", (S.TEACHER,), (A.STUDENT, A.COURSE_TEACHERS)),
        ("comment", "Comment", (S.TEACHER,), (A.STUDENT, A.COURSE_TEACHERS)),
    ),
    # -- grades from the LMS -------------------------------------------------------------------
    _table(
        "grades",
        "Scores and submissions from the LMS gradebook",
        Kept.ROSTER,
        "id assignment_id person_id last_synced_at created_at updated_at",
        ("score", "Score", (S.AGS, S.LMS_REST), ROSTER_READERS),
        ("score_maximum", "Points possible", (S.AGS, S.LMS_REST), ROSTER_READERS),
        ("comment", "The teacher's comment in the LMS", (S.AGS, S.LMS_REST), ROSTER_READERS),
        ("state", "Submitted, graded, missing", (S.AGS, S.LMS_REST), ROSTER_READERS),
        ("submitted_at", "When submitted", (S.AGS, S.LMS_REST), ROSTER_READERS),
        ("graded_at", "When graded", (S.AGS, S.LMS_REST), ROSTER_READERS),
        ("url", "Link to the submission", (S.LMS_REST,), ROSTER_READERS),
        ("attachments", "Names and links of submitted files", (S.LMS_REST,), ROSTER_READERS),
    ),
    _table(
        "transcript_entries",
        "A student's courses and course grades across the LMS",
        Kept.ROSTER,
        "id tenant_id person_id source lms_course_id last_synced_at created_at updated_at",
        ("course_name", "Course", (S.LMS_REST,), PLAN_READERS),
        ("term", "Term", (S.LMS_REST,), PLAN_READERS),
        ("state", "Enrollment state", (S.LMS_REST,), PLAN_READERS),
        ("current_score", "Current score", (S.LMS_REST,), PLAN_READERS),
        ("final_score", "Final score", (S.LMS_REST,), PLAN_READERS),
        ("current_grade", "Current grade", (S.LMS_REST,), PLAN_READERS),
        ("final_grade", "Final grade", (S.LMS_REST,), PLAN_READERS),
    ),
    _table(
        "lms_credentials",
        "A person's LMS access token, when they connected their account (encrypted)",
        Kept.PERSON,
        "id tenant_id person_id kind expires_at created_at updated_at",
        Field("access_token_encrypted", "Access token", (S.LMS_REST,), (A.NOBODY,), True),
        Field("refresh_token_encrypted", "Refresh token", (S.LMS_REST,), (A.NOBODY,), True),
        ("lms_user_id", "The LMS's user id", (S.LMS_REST,), (A.NOBODY,)),
    ),
    _table(
        "sync_runs",
        "Records of roster and grade syncs",
        Kept.TENANT,
        "id tenant_id course_id person_id kind status requested_by job_id counts error "
        "started_at finished_at created_at",
    ),
    # -- courses, the district's own content, settings: no personal data --------------------
    _table(
        "courses",
        "Courses (titles and LMS ids)",
        Kept.TENANT,
        "id tenant_id context_id title label lms_course_id nrps_url ags_endpoint "
        "deployment_id platform_id created_at updated_at",
    ),
    _table(
        "assignments",
        "Assignments of a course",
        Kept.TENANT,
        "id course_id source external_id title score_maximum due_at html_url "
        "resource_link_id tag description active last_synced_at created_at updated_at",
    ),
    _table(
        "resource_links",
        "Where Lodestar is placed in courses",
        Kept.TENANT,
        "id course_id resource_link_id title custom created_at updated_at",
    ),
    _table(
        "reflection_activities",
        "Reflection activities teachers set up",
        Kept.TENANT,
        "id tenant_id course_id resource_link_id title instructions points due_at scoring "
        "rubric created_by created_at updated_at",
    ),
    _table(
        "course_tags",
        "Career tags on courses",
        Kept.TENANT,
        "id course_id kind value tagged_by created_at",
    ),
    _table(
        "assignment_tags",
        "Career tags on assignments",
        Kept.TENANT,
        "id assignment_id kind value tagged_by created_at",
    ),
    _table(
        "community_resources",
        "The district's list of community organisations (their public contact details)",
        Kept.TENANT,
        "id tenant_id name category description phone email url serves active created_by "
        "created_at updated_at",
    ),
    _table(
        "programs_of_study",
        "The district's programs of study",
        Kept.TENANT,
        "id tenant_id name cluster_code pathway_code courses requirements created_at",
    ),
    _table(
        "journey_steps",
        "The district's grade 6-12 journey steps",
        Kept.TENANT,
        "id tenant_id key grade title detail check at_least hidden created_at updated_at",
    ),
    _table(
        "checklist_adaptations",
        "The district's changes to the money checklist",
        Kept.TENANT,
        "id tenant_id key grade title detail hidden created_at updated_at",
    ),
    _table(
        "catalogue_programs",
        "The district's catalogue of postsecondary programs",
        Kept.TENANT,
        "id tenant_id kind name institution city state url credential cip_code control "
        "cost_per_year tuition_in_state tuition_out_of_state unit_id notes source "
        "source_release created_at",
    ),
    _table(
        "district_settings",
        "District school year and retention settings",
        Kept.TENANT,
        "tenant_id school_year_start_month school_year_start_day current_school_year "
        "graduate_retention_days updated_at",
    ),
    _table(
        "plan_settings",
        "District plan settings",
        Kept.TENANT,
        "tenant_id course_plan_first_grade grade_scale updated_at",
    ),
    _table(
        "career_area_defaults",
        "The district's default state and metro",
        Kept.TENANT,
        "tenant_id state_code metro_code updated_at",
    ),
    _table(
        "crosswalk_overrides",
        "The district's occupation-to-cluster choices",
        Kept.TENANT,
        "id tenant_id soc_code cluster_2024 subcluster_2024 cluster_2008 pathway_2008 basis "
        "created_at",
    ),
    _table(
        "tenants",
        "Districts (one per LMS)",
        Kept.TENANT,
        "id name district active created_at timezone platform_timezone",
    ),
    _table(
        "platforms",
        "LMS registrations",
        Kept.TENANT,
        "id tenant_id name issuer client_id auth_login_url auth_token_url key_set_url "
        "auth_audience lms district active settings institution_admins_are_admins key_set "
        "created_at",
    ),
    _table(
        "deployments",
        "LMS deployments",
        Kept.TENANT,
        "id platform_id deployment_id approved created_at",
    ),
    _table(
        "platform_api_keys",
        "The district's LMS API keys (encrypted)",
        Kept.TENANT,
        "id platform_id kind key_id secret_encrypted created_at updated_at",
    ),
    _table(
        "tool_keys",
        "Lodestar's own signing keys (encrypted)",
        Kept.TOOL,
        "id kid private_key_encrypted public_jwk public_pem status key_set created_at "
        "rotated_at retired_at",
    ),
    # -- public reference data --------------------------------------------------------------
    _table(
        "reference_releases",
        _REF,
        Kept.REFERENCE,
        "id dataset source release release_code retrieved_on loaded_at details",
    ),
    _table("soc_groups", _REF, Kept.REFERENCE, "code level title"),
    _table(
        "occupations", _REF, Kept.REFERENCE, "soc_code title major_group minor_group broad_group"
    ),
    _table("labor_areas", _REF, Kept.REFERENCE, "code kind name state_code"),
    _table("labor_area_states", _REF, Kept.REFERENCE, "area_code state_code"),
    _table(
        "occupation_figures",
        _REF,
        Kept.REFERENCE,
        "occupation_code area_code employment employment_per_1000 location_quotient "
        "annual_p10 annual_p25 annual_median annual_p75 annual_p90 hourly_median top_coded",
    ),
    _table(
        "onet_releases",
        _REF,
        Kept.REFERENCE,
        "id name release_date source_name occupation_count loaded_at",
    ),
    _table(
        "onet_occupations",
        _REF,
        Kept.REFERENCE,
        "onet_soc_code soc_code title description realistic investigative artistic social "
        "enterprising conventional high_point_code job_zone",
    ),
    _table(
        "onet_related_occupations",
        _REF,
        Kept.REFERENCE,
        "id onet_soc_code related_code tier rank",
    ),
)

#: The inventory by table name.
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

#: Tables Alembic keeps for itself (not part of the models' metadata).
IGNORED_TABLES = frozenset({"alembic_version"})


def personal_tables() -> list[Table]:
    """The tables that hold personal data, in the inventory's order."""
    return [t for t in TABLES if t.personal]


def unclassified(schema: dict[str, set[str]]) -> list[str]:
    """``table.column`` names of ``schema`` the inventory does not classify, and the
    inventory's names the schema does not have (prefixed ``stale:``): both must be empty."""
    problems: list[str] = []
    for table, columns in sorted(schema.items()):
        if table in IGNORED_TABLES:
            continue
        entry = BY_NAME.get(table)
        known = entry.columns if entry else frozenset()
        problems += [f"{table}.{c}" for c in sorted(columns - known)]
    for entry in TABLES:
        gone = entry.columns - schema.get(entry.name, set())
        problems += [f"stale: {entry.name}.{c}" for c in sorted(gone)]
    return problems
