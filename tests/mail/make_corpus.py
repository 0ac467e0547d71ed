"""Write the mail corpus (tests/mail/corpus): malformed and real-world shaped messages.

Run once to (re)generate; the files are kept in the repository, so the test reads the
exact bytes. ``python tests/mail/make_corpus.py``
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

OUT = Path(__file__).parent / "corpus"
H = (
    "From: Sam Sender <sam@elsewhere.test>\r\nTo: security@example.test\r\n"
    "Subject: {subject}\r\nMessage-ID: <{name}@corpus.test>\r\n"
)


def std(name: str, subject: str = "Report") -> str:
    return H.format(subject=subject, name=name)


def mp(name: str, boundary: str, parts: list[str], close: bool = True, ct: str = "mixed") -> bytes:
    body = "".join(f"--{boundary}\r\n{p}\r\n" for p in parts)
    if close:
        body += f"--{boundary}--\r\n"
    return (
        std(name)
        + f'MIME-Version: 1.0\r\nContent-Type: multipart/{ct}; boundary="{boundary}"\r\n\r\n'
        + body
    ).encode()


TEXT = "Content-Type: text/plain; charset=utf-8\r\n\r\nThe PoC crashes the interpreter."


def malformed() -> dict[str, bytes]:
    m: dict[str, bytes] = {}
    m["missing-boundary"] = (
        std("mb") + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nbody text\r\n"
    ).encode()
    m["unclosed-boundary"] = mp("ub", "XX", [TEXT], close=False)
    m["no-headers"] = b"Just a body without any header at all.\r\nSecond line.\r\n"
    m["headers-only"] = std("ho").encode()
    m["unknown-charset"] = (
        std("uc") + "Content-Type: text/plain; charset=x-klingon\r\n\r\nnuqneH\r\n"
    ).encode()
    m["invalid-utf8"] = (std("iu") + "Content-Type: text/plain; charset=utf-8\r\n\r\n").encode() + (
        b"bad \xff\xfe\xc3\x28 bytes\r\n"
    )
    m["subject-injection"] = (
        std("si", "=?utf-8?q?Hello=0D=0ABcc:_everyone@example.test?=").encode() + b"\r\nbody\r\n"
    )
    m["from-injection"] = (
        b"From: =?utf-8?q?Sam=0ABcc:_x@evil.test?= <sam@elsewhere.test>\r\n"
        b"To: security@example.test\r\nSubject: hi\r\nMessage-ID: <fi@corpus.test>\r\n\r\nbody\r\n"
    )
    m["no-from"] = (
        b"To: security@example.test\r\nSubject: nobody\r\nMessage-ID: <nf@corpus.test>\r\n\r\nx\r\n"
    )
    m["from-no-at"] = (
        b"From: just-a-name\r\nTo: security@example.test\r\nSubject: s\r\n"
        b"Message-ID: <fna@corpus.test>\r\n\r\nx\r\n"
    )
    m["many-froms"] = (
        b"From: a@one.test, b@two.test\r\nTo: security@example.test\r\nSubject: s\r\n"
        b"Message-ID: <mf@corpus.test>\r\n\r\nx\r\n"
    )
    m["no-message-id"] = (
        b"From: sam@elsewhere.test\r\nTo: security@example.test\r\nSubject: s\r\n\r\nx\r\n"
    )
    m["bad-message-id"] = (
        b"From: sam@elsewhere.test\r\nTo: security@example.test\r\nSubject: s\r\n"
        b"Message-ID: not an id\r\n\r\nx\r\n"
    )
    nested = TEXT
    for i in range(30):
        nested = (
            f'Content-Type: multipart/mixed; boundary="n{i}"\r\n\r\n--n{i}\r\n{nested}\r\n--n{i}--'
        )
    m["deep-nesting"] = (std("dn") + "MIME-Version: 1.0\r\n" + nested + "\r\n").encode()
    m["too-large"] = (std("tl") + "Content-Type: text/plain\r\n\r\n").encode() + (
        b"A" * 76 + b"\r\n"
    ) * 4000
    m["too-many-parts"] = mp("tmp", "P", ["Content-Type: text/plain\r\n\r\np"] * 600)
    m["nul-bytes"] = (std("nb") + "Content-Type: text/plain\r\n\r\n").encode() + b"a\x00b\x00c\r\n"
    m["raw-8bit-header"] = (
        b"From: sam@elsewhere.test\r\nTo: security@example.test\r\nSubject: Caf\xe9 \xff\r\n"
        b"Message-ID: <r8@corpus.test>\r\n\r\nbody\r\n"
    )
    m["bad-base64"] = (
        std("b64") + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "SGVsbG8gd29ybGQ===*&^%\r\n"
    ).encode()
    m["bad-qp"] = (
        std("qp")
        + "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "broken =ZZ soft=\r\n"
    ).encode()
    m["bad-encoded-word"] = std("bew", "=?utf-8?B?####?=").encode() + b"\r\nx\r\n"
    m["unknown-charset-encoded-word"] = std("ucew", "=?x-unknown?Q?hi?=").encode() + b"\r\nx\r\n"
    m["garbage-content-type"] = (std("gct") + "Content-Type: text/\r\n\r\nx\r\n").encode()
    m["unknown-cte"] = (
        std("ucte")
        + "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uue\r\n\r\nbegin\r\n"
    ).encode()
    m["attachment-too-large"] = mp(
        "atl",
        "A",
        [
            TEXT,
            "Content-Type: application/zip\r\nContent-Disposition: attachment; filename=big.zip\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(b"z" * 30000).decode().replace("\n", "\r\n"),
        ],
    )
    m["too-many-attachments"] = mp(
        "tma",
        "T",
        [TEXT]
        + [
            f"Content-Type: text/x-log\r\nContent-Disposition: attachment; filename=l{i}.log\r\n\r\nlog {i}"
            for i in range(8)
        ],
    )
    m["long-subject"] = std("ls", "S" * 1000).encode() + b"\r\nx\r\n"
    m["unfolded-long-header"] = (std("ulh") + "X-Long: " + "y" * 20000 + "\r\n\r\nx\r\n").encode()
    m["empty"] = b""
    m["only-separator"] = b"\r\n\r\n"
    rng = random.Random(4)
    m["binary-garbage"] = bytes(rng.randrange(256) for _ in range(3000))
    m["multipart-no-parts"] = (
        std("mnp")
        + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="E"\r\n\r\n--E--\r\n'
    ).encode()
    m["truncated-rfc822"] = mp(
        "tr",
        "R",
        [TEXT, "Content-Type: message/rfc822\r\n\r\nFrom: x@y.test\r\nSubject: cut"],
        close=False,
    )
    m["header-continuation-first"] = (
        b" continued: nothing before\r\nFrom: sam@elsewhere.test\r\nTo: security@example.test\r\n"
        b"Subject: s\r\nMessage-ID: <hcf@corpus.test>\r\n\r\nbody\r\n"
    )
    m["bad-header-name"] = (std("bhn") + "Bad Header Name: x\r\n\r\nbody\r\n").encode()
    m["lone-cr"] = b"From: sam@elsewhere.test\rTo: security@example.test\rSubject: cr\r\rbody\r"
    m["to-injection"] = (
        b"From: sam@elsewhere.test\r\nTo: =?utf-8?q?security@example.test=0D=0ABcc:_y@z.test?=\r\n"
        b"Subject: t\r\nMessage-ID: <ti@corpus.test>\r\n\r\nbody\r\n"
    )
    m["empty-from"] = (
        b"From: <>\r\nTo: security@example.test\r\nSubject: e\r\nMessage-ID: <ef@corpus.test>\r\n\r\nx\r\n"
    )
    m["from-display-only"] = (
        b"From: Sam\r\nTo: security@example.test\r\nSubject: e\r\nMessage-ID: <fdo@corpus.test>\r\n\r\nx\r\n"
    )
    m["html-unknown-charset"] = (
        std("huc") + "Content-Type: text/html; charset=x-mac-klingon\r\n\r\n<p>hi</p>\r\n"
    ).encode()
    m["alternative-boundary-mismatch"] = (
        std("abm")
        + 'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="A1"\r\n\r\n'
        "--B2\r\nContent-Type: text/plain\r\n\r\nplain\r\n--B2--\r\n"
    ).encode()
    m["garbage-base64-attachment"] = mp(
        "gba",
        "G",
        [
            TEXT,
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
            "filename=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all!!!",
        ],
    )
    inner = TEXT
    for i in range(25):
        inner = f"Content-Type: message/rfc822\r\n\r\nFrom: l{i}@x.test\r\nSubject: layer {i}\r\n{inner}"
    m["deep-rfc822"] = (std("drfc") + "MIME-Version: 1.0\r\n" + inner + "\r\n").encode()
    m["pgp-mime-no-key"] = mp(
        "pgp",
        "E",
        [
            "Content-Type: application/pgp-encrypted\r\n\r\nVersion: 1",
            "Content-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\n"
            "hQEMA1234567890ABCDEFgarbage\r\n=abcd\r\n-----END PGP MESSAGE-----",
        ],
        ct='encrypted; protocol="application/pgp-encrypted"',
    )
    m["inline-pgp-garbage"] = (
        std("ipg") + "Content-Type: text/plain\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\n"
        "bm90IHJlYWxseQ==\r\n-----END PGP MESSAGE-----\r\n"
    ).encode()
    m["bad-signature"] = mp(
        "bs",
        "S",
        [
            TEXT,
            "Content-Type: application/pgp-signature\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n\r\n"
            "iQEzBAEBCAAdFiEEgarbagegarbage\r\n=zzzz\r\n-----END PGP SIGNATURE-----",
        ],
        ct='signed; micalg=pgp-sha256; protocol="application/pgp-signature"',
    )
    m["nul-in-encoded-subject"] = std("nies", "=?utf-8?q?a=00b?=").encode() + b"\r\nx\r\n"
    m["huge-message-id"] = (
        "From: sam@elsewhere.test\r\nTo: security@example.test\r\nSubject: s\r\n"
        f"Message-ID: <{'m' * 2000}@corpus.test>\r\n\r\nx\r\n"
    ).encode()
    m["empty-subject-and-body"] = (
        b"From: sam@elsewhere.test\r\nTo: security@example.test\r\nSubject: \r\n"
        b"Message-ID: <esb@corpus.test>\r\n\r\n"
    )
    m["multipart-without-boundary-param"] = (
        std("mwb")
        + "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; charset=utf-8\r\n\r\n"
        "--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n"
    ).encode()
    m["text-part-invalid-latin-declared-ascii"] = (
        std("ascii") + "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    ).encode() + b"na\xefve\r\n"
    m["header-with-nul"] = (
        b"From: sam@elsewhere.test\r\nTo: security@example.test\r\nSubject: a\x00b\r\n"
        b"Message-ID: <hwn@corpus.test>\r\n\r\nx\r\n"
    )
    m["encoded-filename-traversal"] = mp(
        "eft",
        "F",
        [
            TEXT,
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
            "filename*=utf-8''..%2F..%2F.ssh%2Fauthorized_keys\r\n\r\nssh-ed25519 AAAA",
        ],
        close=False,
    )
    m["misdirected-recipient"] = (
        b"From: sam@elsewhere.test\r\nTo: info@unrelated.test\r\nSubject: hello\r\n"
        b"Message-ID: <mr@corpus.test>\r\n\r\nThis was meant for someone else.\r\n"
    )
    return m


def real_world() -> dict[str, bytes]:
    """Well-formed messages shaped like what real clients send: none is flagged."""
    r: dict[str, bytes] = {}
    r["ok-thunderbird-alternative"] = mp(
        "tb",
        "------------alt",
        [
            "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\nHi team,\r\n\r\nzipfile.Path allows ../ escapes.",
            "Content-Type: text/html; charset=UTF-8\r\n\r\n<p>Hi team,</p><p>zipfile.Path escapes</p>",
        ],
        ct="alternative",
    )
    r["ok-outlook-html-only"] = (
        std("ol", "Security issue in pip")
        + "MIME-Version: 1.0\r\nContent-Type: text/html; charset=windows-1252\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<html><body><p>Dear team,</p><p>pip follows redirects to =93file://=94 URLs.</p>"
        "</body></html>\r\n"
    ).encode()
    r["ok-apple-mail-attachment"] = mp(
        "am",
        "Apple-Mail=_1",
        [
            "Content-Transfer-Encoding: 7bit\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            "PoC attached.",
            "Content-Disposition: attachment; filename=poc.py\r\nContent-Type: text/x-python-script;"
            ' name="poc.py"\r\nContent-Transfer-Encoding: 7bit\r\n\r\nimport pickle\r\n',
        ],
    )
    r["ok-gmail-utf8-subject"] = (
        std("gm", "=?UTF-8?B?RGVuaWFsIG9mIHNlcnZpY2UgaW4gw7xybGxpYg==?=")
        + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode("Quadratic time in urllib.parse — PoC below.".encode()).decode()
        + "\r\n"
    ).encode()
    r["ok-mutt-plain"] = (
        std("mutt", "ReDoS in email.utils")
        + "User-Agent: Mutt/2.2\r\nContent-Type: text/plain; charset=us-ascii\r\n"
        "Content-Disposition: inline\r\n\r\nThe regex in parseaddr backtracks.\r\n"
    ).encode()
    return r


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.eml"):
        old.unlink()
    for prefix, messages in (("bad", malformed()), ("good", real_world())):
        for name, data in messages.items():
            (OUT / f"{prefix}-{name}.eml").write_bytes(data)


if __name__ == "__main__":
    main()
