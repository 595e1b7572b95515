"""occupations: SOC 2018 occupations and groups, labour-market areas, BLS OEWS figures

Revision ID: 0009_occupations
Revises: 0008_data_layer
Create Date: 2026-12-07 03:00:00

Global reference data (no tenant column): ``ilp reference load-oews`` fills the tables.
``reference_releases`` names the release loaded of each data set (one row per data set).
"""

import sqlalchemy as sa
from alembic import op

import lti_tool.db

revision = "0009_occupations"
down_revision = "0008_data_layer"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reference_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("release", sa.String(length=80), nullable=False),
        sa.Column("release_code", sa.String(length=40), nullable=False),
        sa.Column("retrieved_on", sa.Date(), nullable=True),
        sa.Column("loaded_at", lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_releases")),
        sa.UniqueConstraint("dataset", name=op.f("uq_reference_releases_dataset")),
    )
    op.create_table(
        "soc_groups",
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "major",
                "minor",
                "broad",
                name="level",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_soc_groups")),
    )
    op.create_table(
        "occupations",
        sa.Column("soc_code", sa.String(length=7), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("major_group", sa.String(length=7), nullable=False),
        sa.Column("minor_group", sa.String(length=7), nullable=False),
        sa.Column("broad_group", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("soc_code", name=op.f("pk_occupations")),
    )
    op.create_index(op.f("ix_occupations_major_group"), "occupations", ["major_group"])
    op.create_table(
        "labor_areas",
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "national",
                "state",
                "metro",
                "nonmetro",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("state_code", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_labor_areas")),
    )
    op.create_index("ix_labor_areas_kind_state_code", "labor_areas", ["kind", "state_code"])
    op.create_table(
        "labor_area_states",
        sa.Column("area_code", sa.String(length=7), nullable=False),
        sa.Column("state_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["labor_areas.code"],
            name=op.f("fk_labor_area_states_area_code_labor_areas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("area_code", "state_code", name=op.f("pk_labor_area_states")),
    )
    op.create_index(op.f("ix_labor_area_states_state_code"), "labor_area_states", ["state_code"])
    op.create_table(
        "occupation_figures",
        sa.Column("occupation_code", sa.String(length=7), nullable=False),
        sa.Column("area_code", sa.String(length=7), nullable=False),
        sa.Column("employment", sa.Integer(), nullable=True),
        sa.Column("employment_per_1000", sa.Float(), nullable=True),
        sa.Column("location_quotient", sa.Float(), nullable=True),
        sa.Column("annual_p10", sa.Integer(), nullable=True),
        sa.Column("annual_p25", sa.Integer(), nullable=True),
        sa.Column("annual_median", sa.Integer(), nullable=True),
        sa.Column("annual_p75", sa.Integer(), nullable=True),
        sa.Column("annual_p90", sa.Integer(), nullable=True),
        sa.Column("hourly_median", sa.Float(), nullable=True),
        sa.Column("top_coded", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["labor_areas.code"],
            name=op.f("fk_occupation_figures_area_code_labor_areas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["occupation_code"],
            ["occupations.soc_code"],
            name=op.f("fk_occupation_figures_occupation_code_occupations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occupation_code", "area_code", name=op.f("pk_occupation_figures")),
    )
    op.create_index(
        "ix_occupation_figures_area_code_employment",
        "occupation_figures",
        ["area_code", "employment"],
    )
    op.create_index(
        "ix_occupation_figures_area_code_location_quotient",
        "occupation_figures",
        ["area_code", "location_quotient"],
    )


def downgrade():
    op.drop_index(
        "ix_occupation_figures_area_code_location_quotient", table_name="occupation_figures"
    )
    op.drop_index("ix_occupation_figures_area_code_employment", table_name="occupation_figures")
    op.drop_table("occupation_figures")
    op.drop_index(op.f("ix_labor_area_states_state_code"), table_name="labor_area_states")
    op.drop_table("labor_area_states")
    op.drop_index("ix_labor_areas_kind_state_code", table_name="labor_areas")
    op.drop_table("labor_areas")
    op.drop_index(op.f("ix_occupations_major_group"), table_name="occupations")
    op.drop_table("occupations")
    op.drop_table("soc_groups")
    op.drop_table("reference_releases")
