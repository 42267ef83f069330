"""Every error message the API's handlers send as a literal has a code of its own.

The messages are read from the sources (the calls that send or return a refusal, and the
message fields of the resource tables), lib/web/error_code.c is compiled with a small driver,
and each message must be recognised by the table or one of its families, not left to the
default of its status. A new message that fails here gets a line in error_code.c's table.
"""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# The calls and fields whose string literal is an error message sent to an API client.
PATTERNS = [
    r'envelope_ondi_error\(\s*\w+,\s*\d+,\s*"((?:[^"\\]|\\.)*)"\s*\)',
    r'envelope_status_error\(\s*\w+,\s*\d+,\s*"((?:[^"\\]|\\.)*)"\s*,',
    r'envelope_ondi_error_detail\(\s*\w+,\s*\d+,\s*"((?:[^"\\]|\\.)*)"\s*,',
    r'(?:send_error|oauth_error|res_fail|refuse|count_refuse|user_refuse|app->error)\(\s*[\w&>-]+,\s*\d+,\s*"((?:[^"\\]|\\.)*)"\s*[,)]',
    r'refuse\(\s*[\w&>-]+,\s*\d+,\s*(?:"[\w]*"|NULL),\s*"((?:[^"\\]|\\.)*)"\s*[,)]',
    r'\*(?:msg|message) = "((?:[^"\\]|\\.)*)";',
    r'\.(?:invalid_msg|guard_msg|fixed_msg|ref_mismatch_msg) = "((?:[^"\\]|\\.)*)"',
    r'#define [A-Z_]+_MESSAGE "((?:[^"\\]|\\.)*)"',
]
# Sources of the JSON groups: the admin pages (and their multipart uploads) answer in HTML, with
# sentences, not codes; error_code.c is the table itself.
SKIP = re.compile(r"^cgi-bin/admin|^lib/html/|^lib/web/multipart\.c|^lib/web/error_code\.c")

DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "web/error_code.h"
int main(void)
{
	char line[1024];
	while (fgets(line, sizeof line, stdin)) {
		struct error_code ec;
		line[strcspn(line, "\n")] = 0;
		int known = error_code_of(400, line, &ec);
		printf("%d %s\n", known, ec.code);
	}
	return 0;
}
"""


def messages():
    out = subprocess.run(["git", "ls-files", "lib/*.c", "lib/*.h", "cgi-bin/*.c"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    found = {}
    for f in out:
        if SKIP.search(f) or not os.path.exists(os.path.join(ROOT, f)):
            continue
        text = open(os.path.join(ROOT, f), encoding="utf-8").read()
        for pat in PATTERNS:
            for m in re.finditer(pat, text):
                msg = re.sub(r"%(?:l{0,2}[duz]|zu|s)", "x", m.group(1))
                # a bare name is the field argument of user.c's refuse(), not a message
                if "successfully" not in msg and not re.fullmatch(r"[a-z_]+", msg):
                    found.setdefault(msg, f)
    return found


@pytest.fixture(scope="module")
def classify(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    d = tmp_path_factory.mktemp("error_code")
    (d / "main.c").write_text(DRIVER)
    exe = d / "codes"
    subprocess.run([cc, "-std=c11", "-I", os.path.join(ROOT, "lib"), "-o", str(exe), str(d / "main.c"),
                    os.path.join(ROOT, "lib", "web", "error_code.c")], check=True)

    def run(msgs):
        r = subprocess.run([str(exe)], input="".join(m + "\n" for m in msgs), capture_output=True,
                           text=True, check=True)
        return [line.split(" ", 1) for line in r.stdout.splitlines()]
    return run


def test_messages_are_found():
    found = messages()
    assert len(found) > 40, sorted(found)
    assert "Insufficient stock" in found and "Field required: username" in found
    assert "A request with this Idempotency-Key is still being processed" in found


def test_every_message_has_a_code(classify):
    found = messages()
    msgs = sorted(found)
    unknown = ["%s (%s)" % (m, found[m]) for m, (known, _) in zip(msgs, classify(msgs)) if known != "1"]
    assert not unknown, "messages without a code (add them to lib/web/error_code.c):\n" + "\n".join(unknown)


def test_openapi_examples_show_the_codes_sent(classify):
    """The error examples of the OpenAPI document carry the codes the service adds."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("openapi_examples", os.path.join(ROOT, "docs", "openapi_examples.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    msgs = sorted(mod.ERROR_CODES)
    got = {m: code for m, (_, code) in zip(msgs, classify(msgs))}
    assert got == {m: mod.ERROR_CODES[m][0] for m in msgs}


def test_an_unknown_message_is_caught(classify):
    assert classify(["Something nobody wrote"]) == [["0", "invalid_request"]]
