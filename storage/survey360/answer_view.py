"""SQLite: an answer (its sealed draft saved, the questionnaire's cursor moved) in one statement.

PostgreSQL does both in one statement already (the draft's upsert in a WITH, see
storage/survey360/answers.py); SQLite allows no INSERT inside WITH. Here each connection has a
temporary view, ``answer_given``, whose INSTEAD OF trigger does the two writes: one row inserted
into it is one statement, three trips to aiosqlite's thread instead of six while the pool's one
connection is held (docs/benchmarks.md). The view holds no rows and the trigger nothing of its
own: what is written, and where, is what the two statements wrote. Temporary, so made by each
connection when it opens (storage/db.py) and never part of the database file or its migrations.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, LargeBinary, MetaData, SmallInteger, Table

ANSWER_GIVEN = Table(
    "answer_given",
    MetaData(),  # not the models' metadata: no migration makes it
    Column("assignment_id", Integer),
    Column("statement_no", SmallInteger),
    Column("sealed", LargeBinary),
    Column("cursor", SmallInteger),
    Column("back_to_review", Boolean),
    Column("message_id", BigInteger),
)

# The tables of storage/models.py's DraftAnswer and Assignment. Table names inside a trigger's
# body cannot be qualified: the main database's are found, no temporary table having those names.
CREATE_ANSWER_GIVEN = (
    "CREATE TEMP VIEW IF NOT EXISTS answer_given"
    "(assignment_id, statement_no, sealed, cursor, back_to_review, message_id)"
    " AS SELECT NULL, NULL, NULL, NULL, NULL, NULL WHERE 0",
    "CREATE TEMP TRIGGER IF NOT EXISTS answer_given_saved INSTEAD OF INSERT ON answer_given BEGIN"
    " INSERT INTO draft_answers (assignment_id, statement_no, sealed)"
    " VALUES (new.assignment_id, new.statement_no, new.sealed)"
    " ON CONFLICT (assignment_id, statement_no) DO UPDATE SET sealed = excluded.sealed;"
    " UPDATE assignments SET cursor = new.cursor, back_to_review = new.back_to_review,"
    " message_id = new.message_id WHERE id = new.assignment_id;"
    " END",
)
