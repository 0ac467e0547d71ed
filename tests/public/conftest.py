"""The end-to-end test uses the other apps' loopback servers: the fake GitHub, a real SMTP
server (aiosmtpd) and the fake CVE Services."""

from tests.cna.conftest import _fake_server, fake_cve  # noqa: F401 - fixtures
from tests.fixes.conftest import _github_server, github  # noqa: F401 - fixtures
from tests.mail.conftest import _sink_server, sink  # noqa: F401 - fixtures
