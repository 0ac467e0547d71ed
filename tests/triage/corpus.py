"""A labelled corpus of reports for the triage aids: valid, junk, misdirected, duplicates.

Valid ones are written like real CPython reports (PoC, versions, existing APIs); junk ones
use invented functions and generic boilerplate, as AI-generated reports do; misdirected
ones are about third-party packages. DUPLICATES name the valid report each one repeats.
"""

from __future__ import annotations

# ruff: noqa: E501 - report texts are data, kept as the reporters wrote them

VALID: dict[str, tuple[str, str]] = {
    "zip-traversal": (
        "Path traversal in zipfile.Path when extracting crafted archives",
        "On Python 3.12.1 a crafted archive with '../' member names escapes the target\n"
        "directory when iterated through zipfile.Path and written out by the caller.\n"
        "An attacker who supplies the archive can write files outside the directory.\n\n"
        "```python\nimport zipfile, io, sys\nbuf = io.BytesIO()\n"
        "with zipfile.ZipFile(buf, 'w') as z:\n    z.writestr('../evil.txt', 'x')\n"
        "p = zipfile.Path(zipfile.ZipFile(buf))\nsys.exit(1 if any('..' in e.name for e in p.iterdir()) else 0)\n```\n"
        "No AI tools were used for this report.",
    ),
    "tarfile-filter": (
        "tarfile data filter allows symlink escape with hard links",
        "Tested on 3.11.9 and 3.13.0. With tarfile.TarFile.extractall(filter='data') a hard\n"
        "link pointing at a symlink outside the destination is followed, so an attacker-controlled\n"
        "tar file can overwrite files outside the target.\n\n"
        "    import tarfile\n    tarfile.TarFile.extractall\n"
        "The script attached inline exits 1 when vulnerable.",
    ),
    "email-header": (
        "Header injection through email.headerregistry address parsing",
        "Python 3.12.2: email.utils.parseaddr returns a different address than\n"
        "email.headerregistry parses for crafted input with quoted commas, which allows a\n"
        "sender check bypass in applications that validate with one and send with the other.\n"
        "```\nfrom email.utils import parseaddr\nprint(parseaddr('\"a@b.c,\" <evil@x.y>'))\n```",
    ),
    "http-server-redirect": (
        "Open redirect in http.server.SimpleHTTPRequestHandler with double slashes",
        "On the main branch and 3.12, a request for //evil.example/%2e%2e makes\n"
        "http.server.SimpleHTTPRequestHandler answer with a redirect to another host.\n"
        "Impact: phishing links through a trusted host running python -m http.server.\n"
        "$ python3 -m http.server 8000\n$ curl -i 'http://127.0.0.1:8000//evil.example/%2e%2e'",
    ),
    "urllib-parse": (
        "urllib.parse.urlsplit accepts leading control characters in the scheme",
        "Python 3.11.4. urllib.parse.urlsplit strips leading C0 control characters only\n"
        "partially, so blocklists based on the scheme can be bypassed by untrusted URLs.\n"
        ">>> from urllib.parse import urlsplit\n>>> urlsplit('\\x01javascript:alert(1)')",
    ),
    "ipaddress-private": (
        "ipaddress.IPv4Address.is_private wrong for 192.0.0.0/29 ranges",
        "Since 3.8 through 3.12.3 ipaddress.IPv4Address.is_private reports some special\n"
        "ranges incorrectly, which results in SSRF filter bypass in applications.\n"
        "```python\nimport ipaddress\nprint(ipaddress.ip_address('192.0.0.9').is_private)\n```",
    ),
    "xml-expat": (
        "Quadratic parsing time in xml.etree.ElementTree with many attributes",
        "Python 3.12 and 3.13: a crafted XML document with many attributes makes\n"
        "xml.etree.ElementTree.fromstring take minutes: denial of service for services\n"
        "parsing untrusted XML.\n```\nimport xml.etree.ElementTree as ET\n"
        "ET.fromstring('<a ' + ' '.join(f'a{i}=\"1\"' for i in range(10**5)) + '/>')\n```",
    ),
    "ssl-hostname": (
        "ssl.SSLContext.check_hostname ignored after wrap_socket with server_hostname None",
        "3.12.0: creating the socket with ssl.SSLContext.wrap_socket and server_hostname=None\n"
        "silently skips hostname verification. An attacker in the middle can impersonate\n"
        "the server.\n```python\nimport ssl, socket\nctx = ssl.create_default_context()\n```",
    ),
    "shutil-unpack": (
        "shutil.unpack_archive writes outside extract_dir for crafted zip members",
        "Python 3.11.8. shutil.unpack_archive on an attacker-controlled zip with absolute\n"
        "member names writes outside extract_dir.\n"
        "```python\nimport shutil\nshutil.unpack_archive('evil.zip', 'out')\n```",
    ),
    "base64-decode": (
        "base64.b64decode validate=True accepts non-alphabet characters after padding",
        "Tested with 3.12.4: base64.b64decode(data, validate=True) accepts trailing\n"
        "garbage after '=' padding, which results in signature confusion in applications\n"
        "that compare encoded tokens.\n>>> import base64\n>>> base64.b64decode('QQ==!!', validate=True)",
    ),
    "plistlib-dos": (
        "plistlib.loads memory exhaustion with crafted binary plist",
        "Python 3.13.0: plistlib.loads allocates based on a count field read from untrusted\n"
        "input; a 100 byte file makes it allocate gigabytes (denial of service).\n"
        "```\nimport plistlib\nplistlib.loads(open('crash.plist','rb').read())\n```",
    ),
    "http-cookies": (
        "http.cookies.SimpleCookie quadratic time on quoted values",
        "On 3.12.5 parsing a crafted Cookie header with http.cookies.SimpleCookie takes\n"
        "quadratic time: denial of service for web servers parsing untrusted headers.\n"
        "```python\nfrom http.cookies import SimpleCookie\nSimpleCookie().load('a=\"' + '\\\\' * 50000)\n```",
    ),
    "tempfile-race": (
        "tempfile.mkdtemp permissions race on shared /tmp",
        "Python 3.10 through 3.13: tempfile.mkdtemp creates the directory and then the caller\n"
        "chmods it; a local attacker can race in between. Threat model: a multi-user host.\n"
        "```\nimport tempfile\nd = tempfile.mkdtemp()\n```",
    ),
    "gzip-header": (
        "gzip.GzipFile reads past the end of FEXTRA field",
        "3.12.3: gzip.GzipFile with a crafted FEXTRA length field leads to reading the\n"
        "next member's data as header. Attacker-controlled archives can hide content.\n"
        "    import gzip\n    gzip.decompress(open('x.gz','rb').read())",
    ),
    "configparser-interp": (
        "configparser interpolation expands secrets from other sections",
        "Python 3.12: configparser.ConfigParser with BasicInterpolation lets a user-supplied\n"
        "value reference %(password)s of another section, which discloses secrets in\n"
        "applications that render user values.\n"
        "```python\nimport configparser\ncp = configparser.ConfigParser()\n```",
    ),
    "smtplib-starttls": (
        "smtplib.SMTP.starttls response injection before TLS",
        "Python 3.11 and 3.12: smtplib.SMTP.starttls keeps buffered plaintext responses,\n"
        "so an attacker in the middle can inject responses that are read after the TLS\n"
        "handshake (STARTTLS command injection).\n"
        "```\nimport smtplib\ns = smtplib.SMTP('mail.example')\ns.starttls()\n```",
    ),
    "no-poc-but-real": (
        "Possible infinite loop in email.header.decode_header",
        "While reading email/header.py on 3.13 I think email.header.decode_header can loop\n"
        "forever on an encoded word with an empty charset; a crafted message from an\n"
        "attacker would hang the mail filter. I have not written a reproducer yet.",
    ),
    "html-parser": (
        "html.parser.HTMLParser mishandles comments ending with --!>",
        "On 3.12.6 html.parser.HTMLParser treats '--!>' as not ending a comment, unlike\n"
        "browsers, which allows sanitizer bypass (XSS) for sanitizers built on it.\n"
        "```python\nfrom html.parser import HTMLParser\nHTMLParser().feed('<!-- x --!><script>')\n```",
    ),
}

JUNK: dict[str, tuple[str, str]] = {
    "ai-rce-json": (
        "Critical Remote Code Execution vulnerability in json.loads_unsafe",
        "Dear Security Team,\n\nI hope this message finds you well. I have discovered a critical\n"
        "vulnerability in the json.loads_unsafe function that could potentially allow malicious\n"
        "actors to achieve remote code execution. The impact of this vulnerability is severe,\n"
        "leading to full system compromise. It is important to note that this requires\n"
        "immediate attention. CVSS score: 9.8. I kindly request a bug bounty reward.",
    ),
    "ai-os-secure": (
        "Buffer overflow in os.secure_exec allows privilege escalation",
        "Dear Python Security Team,\n\nDuring a comprehensive analysis I found that\n"
        "os.secure_exec and os.path.safe_join_unchecked do not validate input lengths. This\n"
        "could potentially lead to memory corruption and remote code execution. Malicious\n"
        "actors could exploit this to achieve full system compromise. In conclusion, robust\n"
        "validation is required. Please prioritise this critical vulnerability.",
    ),
    "ai-hashlib": (
        "Critical vulnerability: hashlib.md5_fast leaks memory contents",
        "I hope this email finds you well. The hashlib.md5_fast and hashlib.sha256.unsafe_digest\n"
        "functions expose sensitive data exposure risks. It is crucial to note that malicious\n"
        "actors could potentially be able to read process memory. This has severe security\n"
        "implications and deserves immediate attention. I'd appreciate a reward.",
    ),
    "ai-subprocess": (
        "Command injection in subprocess.run_shell_safe",
        "Dear Security Team, subprocess.run_shell_safe and subprocess.Popen.exec_unchecked\n"
        "allow command injection. Malicious actors could potentially leverage this for remote\n"
        "code execution and full system compromise. Best practices recommend robust\n"
        "validation. In conclusion this critical vulnerability needs immediate attention.",
    ),
    "ai-sqlite": (
        "SQL injection in sqlite3.execute_raw",
        "I have identified a critical security vulnerability in sqlite3.execute_raw and\n"
        "sqlite3.Connection.unsafe_query. This could potentially allow malicious actors to\n"
        "access sensitive data exposure. It is important to note the severe implications.\n"
        "CVSS: 9.8. Bug bounty eligible?",
    ),
    "ai-socket": (
        "Remote code execution via socket.create_secure_server",
        "Dear Security Team,\nI hope this message finds you well. socket.create_secure_server\n"
        "fails to sanitise input which could potentially lead to remote code execution by\n"
        "malicious actors. The impact of this vulnerability is critical. Kindly provide a reward.",
    ),
    "pickle-untrusted": (
        "Arbitrary code execution via pickle.loads",
        "pickle.loads executes arbitrary code when loading a malicious payload from an\n"
        "untrusted source. An attacker who controls the data gets remote code execution.\n"
        "This is a critical vulnerability with CVSS score 9.8 that needs immediate attention.",
    ),
    "eval-untrusted": (
        "Code injection in eval() builtin",
        "The eval() builtin lets an attacker run code: eval(user_input) with untrusted input\n"
        "from a web form gives remote code execution. Malicious actors could potentially\n"
        "exploit this critical vulnerability.",
    ),
    "ai-random": (
        "Predictable tokens from random.secure_token",
        "During a comprehensive security review I noticed random.secure_token and\n"
        "random.SystemRandom.unsafe_seed produce predictable output. Malicious actors could\n"
        "potentially exploit this. It is important to note the severe security implications.",
    ),
    "ai-asyncio": (
        "Denial of service in asyncio.run_untrusted",
        "Dear Security Team, the asyncio.run_untrusted and asyncio.StreamReader.read_all_unbounded\n"
        "functions could potentially allow malicious actors to exhaust memory. This critical\n"
        "vulnerability needs immediate attention. In conclusion, robust limits are needed.",
    ),
    "pythonpath": (
        "Arbitrary code execution through PYTHONPATH",
        "If an attacker sets PYTHONPATH to a malicious directory, Python imports attacker\n"
        "code. This is a remote code execution vulnerability with full system compromise.",
    ),
    "vague-generic": (
        "Security vulnerability in Python",
        "Hello, I found a critical security vulnerability in Python that could potentially\n"
        "allow malicious actors to compromise systems. The impact of this vulnerability is\n"
        "severe. Please contact me for details and the bug bounty reward.",
    ),
}

MISDIRECTED: dict[str, tuple[str, str]] = {
    "requests-redirect": (
        "requests leaks Authorization header on redirect",
        "With requests 2.31 the Authorization header set through requests.Session is kept\n"
        "when requests follows a redirect to another host.\n"
        "```python\nimport requests\nrequests.get('https://a.example', headers={'Authorization': 'x'})\n```",
    ),
    "django-sqli": (
        "SQL injection in Django QuerySet.extra",
        "Django 4.2: QuerySet.extra with user input in select_params allows SQL injection in\n"
        "django.db.models. Attackers could read the database of any django site using it.",
    ),
    "yaml-load": (
        "PyYAML yaml.load executes arbitrary Python objects",
        "```python\nimport yaml\nyaml.load(open('x.yml'), Loader=yaml.Loader)\n```\n"
        "yaml.load with the default Loader constructs arbitrary objects from attacker input.",
    ),
    "numpy-overflow": (
        "Integer overflow in numpy array creation",
        "numpy 1.26: numpy.frombuffer with a crafted count overflows; numpy users parsing\n"
        "untrusted buffers may crash.\n```\nimport numpy\nnumpy.frombuffer(b'x', count=-2)\n```",
    ),
    "flask-session": (
        "Flask session cookie not invalidated on logout",
        "In flask 3.0 the session cookie stays valid after logout since flask signs the\n"
        "cookie client side. An attacker with a stolen cookie keeps access.",
    ),
    "pillow-decompress": (
        "Decompression bomb in Pillow PNG loader",
        "Pillow 10.2: opening a crafted PNG with PIL.Image.open bypasses the\n"
        "decompression bomb check. Pillow users processing uploads are affected.\n"
        "```python\nfrom PIL import Image\nImage.open('bomb.png').load()\n```",
    ),
}

# Rewordings of valid reports by other reporters: (duplicate of, title, body).
DUPLICATES: dict[str, tuple[str, str, str]] = {
    "dup-zip": (
        "zip-traversal",
        "zipfile.Path lets archive members escape with ../ names",
        "zipfile.Path iterdir returns members named ../evil.txt from a crafted zip archive;\n"
        "extracting them writes outside the target directory. Tested on 3.12.\n"
        "```python\nimport zipfile\n```",
    ),
    "dup-cookies": (
        "http-cookies",
        "Slow Cookie header parsing in http.cookies (quadratic)",
        "SimpleCookie.load in http.cookies is quadratic on quoted cookie values with many\n"
        "backslashes, a denial of service for servers. Python 3.12.\n"
        "```python\nfrom http.cookies import SimpleCookie\n```",
    ),
    "dup-ipaddress": (
        "ipaddress-private",
        "is_private returns False for 192.0.0.9 in ipaddress module",
        "ipaddress.ip_address('192.0.0.9').is_private is wrong; SSRF filters relying on\n"
        "ipaddress is_private can be bypassed. Python 3.11.",
    ),
    "dup-tarfile": (
        "tarfile-filter",
        "Hard link to symlink escapes tarfile extraction filter data",
        "tarfile extractall with filter='data' follows a hard link to a symlink outside the\n"
        "destination directory. Python 3.12.\n    import tarfile",
    ),
}
