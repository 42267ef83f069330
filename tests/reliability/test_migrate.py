"""stocktake-migrate (db/migrate) against scratch databases on the devstack server: two concurrent runs
apply each migration once, a second run waits for the lock or gives up after --lock-timeout, a
migration that fails half-way stops with a message that names it and says what to do, progress
lines, --version. The scratch databases are dropped at the end."""
import os
import re
import subprocess

import pytest

from conftest import DB_SOCKET, ROOT

MIGRATE = os.path.join(ROOT, "db", "migrate")
MIGRATIONS = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "db", "migrations"))
                    if re.match(r"^\d{3}_.*\.sql$", f))


def root_sql(text, database=None):
    cmd = ["mariadb", "--socket=" + DB_SOCKET, "-uroot", "--batch", "--skip-column-names", "-e", text]
    if database:
        cmd.append(database)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()


def migrate(*args, **kw):
    return subprocess.run([MIGRATE, "--socket", DB_SOCKET] + list(args), capture_output=True,
                          text=True, timeout=kw.get("timeout", 300))


@pytest.fixture
def scratch():
    """A database name of this test's own; dropped afterwards."""
    name = "stocktake_migrate_test_%d" % os.getpid()
    root_sql("DROP DATABASE IF EXISTS `%s`" % name)
    yield name
    root_sql("DROP DATABASE IF EXISTS `%s`" % name)


def test_version():
    out = migrate("--version")
    assert out.returncode == 0
    assert re.fullmatch(r"stocktake-migrate \(stocktake\) \d+\.\d+\.\d+\n", out.stdout)


def test_two_runs_at_once_apply_each_migration_once(scratch):
    first = subprocess.Popen([MIGRATE, "--socket", DB_SOCKET, "--database", scratch],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_lines = [first.stdout.readline()]
    assert first_lines[0] == "applying %s.sql ...\n" % MIGRATIONS[0]
    # The first run holds the lock while it applies: the second starts now and must wait for it.
    second = migrate("--database", scratch)
    first_lines += first.stdout.readlines()
    assert first.wait(300) == 0, first.stderr.read()
    first.stderr.close()
    first.stdout.close()

    assert second.returncode == 0, second.stderr
    assert "another migration is running (lock stocktake-migrate); waiting" in second.stdout
    assert "applying" not in second.stdout
    assert "nothing to apply" in second.stdout
    # Progress: a line before each migration, one with its time after it.
    expected = []
    for m in MIGRATIONS:
        expected += [r"applying %s\.sql \.\.\." % m, r"applied %s\.sql in \d+\.\d{3} s" % m]
    assert len(first_lines) == len(expected), first_lines
    for line, pattern in zip(first_lines, expected):
        assert re.fullmatch(pattern, line.rstrip("\n")), (line, pattern)
    versions = root_sql("SELECT version FROM schema_version ORDER BY version", scratch)
    assert versions == [str(int(m[:3])) for m in MIGRATIONS]


def test_lock_timeout(scratch):
    # A session holding the lock stands for a run that is still migrating.
    holder = subprocess.Popen(["mariadb", "--socket=" + DB_SOCKET, "-uroot", "--batch",
                               "--skip-column-names", "--unbuffered"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        holder.stdin.write("SELECT GET_LOCK('stocktake-migrate', 10);\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "1"
        out = migrate("--database", scratch, "--lock-timeout", "1", timeout=60)
        assert out.returncode == 1
        assert "another migration is running" in out.stdout
        assert "another migration is still running after 1 s; nothing was applied" in out.stderr
        assert root_sql("SHOW TABLES", scratch) == []
    finally:
        holder.stdin.close()
        holder.wait(30)
        holder.stdout.close()
    # The lock went with the session: a run now goes through.
    assert migrate("--database", scratch).returncode == 0


def test_failed_migration(scratch, tmp_path):
    (tmp_path / "001_first.sql").write_text("CREATE TABLE a (id INT PRIMARY KEY);\n")
    (tmp_path / "002_half.sql").write_text(
        "CREATE TABLE b (id INT PRIMARY KEY);\n"
        "\n"
        "ALTER TABLE no_such_table ADD COLUMN y INT;\n"
        "CREATE TABLE c (id INT PRIMARY KEY);\n")
    (tmp_path / "003_after.sql").write_text("CREATE TABLE d (id INT PRIMARY KEY);\n")
    out = migrate("--database", scratch, "--migrations", str(tmp_path))
    assert out.returncode == 1
    assert out.stdout.splitlines()[:3] == [
        "applying 001_first.sql ...", out.stdout.splitlines()[1], "applying 002_half.sql ..."]
    assert "003_after" not in out.stdout
    err = out.stderr
    assert re.search(r"migration 002_half\.sql failed after \d+\.\d{3} s:", err)
    assert "ERROR 1146 (42S02) at line 3: Table '%s.no_such_table' doesn't exist" % scratch in err
    assert "002_half.sql is not recorded in schema_version, and no migration after it was applied" in err
    assert "the statements of 002_half.sql before line 3 may have been applied" in err
    assert "restore the backup" in err
    assert "applies 002_half.sql again from its first statement" in err
    # Half applied indeed: b exists, c does not, and only 001 is recorded.
    assert root_sql("SHOW TABLES", scratch) == ["a", "b", "schema_version"]
    assert root_sql("SELECT version FROM schema_version", scratch) == ["1"]

    # Fixed by hand, the next run applies 002 again from its first statement, then 003.
    (tmp_path / "002_half.sql").write_text(
        "CREATE TABLE IF NOT EXISTS b (id INT PRIMARY KEY);\nCREATE TABLE c (id INT PRIMARY KEY);\n")
    out = migrate("--database", scratch, "--migrations", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "applying 001" not in out.stdout
    assert root_sql("SELECT version FROM schema_version ORDER BY version", scratch) == ["1", "2", "3"]


def test_count_create_migration_upgrades_and_runs_again(scratch, tmp_path):
    """012 on a database at 011 (an upgrade), then again after its row is taken away (a run that
    stopped half-way applies the file again from its start): the procedure and the assignment
    indexes end the same both times."""
    for m in MIGRATIONS:
        if m < "012":
            (tmp_path / (m + ".sql")).write_text(
                open(os.path.join(ROOT, "db", "migrations", m + ".sql")).read())
    assert migrate("--database", scratch, "--migrations", str(tmp_path)).returncode == 0
    indexes = ("SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = '%s'"
               " AND table_name = 'count_assignments' ORDER BY index_name" % scratch)
    assert root_sql(indexes) == ["fk_count_assignments_user", "ix_count_assignments_tenant_user", "PRIMARY",
                                 "uq_count_assignments_user"]
    for _ in range(2):
        out = migrate("--database", scratch)
        assert out.returncode == 0, out.stderr
        assert re.search(r"^applied 012_\w+\.sql in ", out.stdout, re.M), out.stdout
        assert root_sql(indexes) == ["ix_count_assignments_user_tenant", "PRIMARY", "uq_count_assignments_user"]
        columns = root_sql("SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index) FROM information_schema.statistics"
                           " WHERE table_schema = '%s' AND index_name = 'ix_count_assignments_user_tenant'" % scratch)
        assert columns == ["user_id,tenant_id"]
        assert root_sql("SELECT routine_name FROM information_schema.routines WHERE routine_schema = '%s'"
                        " AND routine_name = 'count_code_take'" % scratch) == ["count_code_take"]
        root_sql("DELETE FROM schema_version WHERE version = 12", scratch)
