"""guardian sign-off with the guardian's own account and a "reviewed with my child" confirmation

Revision ID: 0023_sign_off
Revises: 0021_review_threads
Create Date: 2026-12-07 19:45:00

* ``plan_snapshots.signed_with_account``: the signature is the signed-in guardian's own LMS
  account (``signature_name`` is then the account's name at signing, never typed). Existing
  signatures were typed names: they keep False and are shown as typed.
* ``plan_snapshots.reviewed_with_child``: the guardian confirmed "I have reviewed this plan
  with my child" when signing. False for existing signatures (nobody was asked).
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_sign_off"
down_revision = "0021_review_threads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_snapshots") as batch:
        batch.add_column(
            sa.Column(
                "signed_with_account", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch.add_column(
            sa.Column(
                "reviewed_with_child", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_snapshots") as batch:
        batch.drop_column("reviewed_with_child")
        batch.drop_column("signed_with_account")
