"""A test PKI shaped like the Belgian one, and the cards it issues.

``TestPki("ec")`` mirrors the applet 1.8 era (Root CA6: EC P-384 everywhere); ``TestPki("rsa")``
mirrors applet 1.7 (RSA 2048 keys, RSA signatures over the data files). Its root is NOT a
Belgian root: the platform refuses these cards unless the operator adds the root to
``[eid] trust_anchors`` (development and tests do exactly that).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from immo_connect.eid.card import CardFiles, cut_der
from immo_connect.eid.emulator import pkcs15
from immo_connect.eid.emulator.card import BelpicCard
from immo_connect.eid.tlv import encode_tlv

Kind = Literal["ec", "rsa"]
PrivateKey = Any  # ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ADDRESS_FILE_SIZE = 117
EC_ADDRESS_SIGNATURE_SIZE = 112


def national_number(birth: dt.date, counter: int) -> str:
    """A valid national register number for ``birth`` and a day counter (odd: male)."""
    body = f"{birth:%y%m%d}{counter:03d}"
    base = int(("2" if birth.year >= 2000 else "") + body)
    return f"{body}{97 - base % 97:02d}"


def card_number(seed: int) -> str:
    first = f"{seed % 10**10:010d}"
    check = int(first) % 97 or 97
    return f"{first}{check:02d}"


@dataclasses.dataclass(frozen=True)
class Holder:
    surname: str = "Peeters"
    first_names: str = "Anne Marie"
    third_name_initial: str = "J"
    national_number: str = dataclasses.field(default_factory=lambda: national_number(dt.date(1985, 7, 30), 34))
    birth_date: str = "30 JUL 1985"  # as the card writes it (French/Dutch or German form)
    birth_place: str = "Bruxelles"
    nationality: str = "Belge"
    sex: str = "F"
    street_and_number: str = "Rue de la Loi 16"
    zip_code: str = "1000"
    municipality: str = "Bruxelles"
    issuing_municipality: str = "Bruxelles"


def _new_key(kind: Kind) -> PrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    return hashes.SHA384() if isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA256()


def _name(*parts: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


def _certificate(
    subject: x509.Name, public_key: Any, issuer: x509.Name, issuer_key: PrivateKey, *,
    not_before: dt.datetime, not_after: dt.datetime, ca: bool, path_length: int | None = None,
    usage: str = "ca", extended: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
    )
    flags = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False,
    )
    if usage == "ca":
        flags.update(key_cert_sign=True, crl_sign=True)
    elif usage == "auth":
        flags.update(digital_signature=True)
    elif usage == "sign":
        flags.update(content_commitment=True)
    elif usage == "rrn":
        flags.update(digital_signature=True, content_commitment=True)
    builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    return builder.sign(issuer_key, _hash_for(issuer_key))


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


class TestPki:
    """Root, citizen CA and National Register (RRN) certificates; issues cards."""

    __test__ = False  # not a pytest class

    def __init__(self, kind: Kind = "ec", *, name: str = "Immo-Connect Test Root", now: dt.datetime | None = None) -> None:
        self.kind: Kind = kind
        now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        self.now = now
        self.root_key = _new_key(kind)
        self.root_name = _name((NameOID.COUNTRY_NAME, "BE"), (NameOID.COMMON_NAME, f"{name} ({kind.upper()})"))
        self.root = _certificate(
            self.root_name, self.root_key.public_key(), self.root_name, self.root_key,
            not_before=now - dt.timedelta(days=3650), not_after=now + dt.timedelta(days=7300), ca=True, path_length=1,
        )
        self.ca_key = _new_key(kind)
        self.ca_name = _name((NameOID.COUNTRY_NAME, "BE"), (NameOID.COMMON_NAME, "Citizen CA"),
                             (NameOID.SERIAL_NUMBER, "202401"))
        self.ca = _certificate(
            self.ca_name, self.ca_key.public_key(), self.root_name, self.root_key,
            not_before=now - dt.timedelta(days=1000), not_after=now + dt.timedelta(days=4000), ca=True, path_length=0,
            extended=[ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION],
        )
        self.issued: dict[int, x509.Certificate] = {}
        self.rrn_key = _new_key(kind)
        self.rrn = _certificate(
            _name((NameOID.COUNTRY_NAME, "BE"), (NameOID.ORGANIZATION_NAME, "RRN"), (NameOID.COMMON_NAME, "RRN")),
            self.rrn_key.public_key(), self.root_name, self.root_key,
            not_before=now - dt.timedelta(days=1000), not_after=now + dt.timedelta(days=4000), ca=False, usage="rrn",
        )

    def crl(self, revoked: list[x509.Certificate] | None = None, *, next_update: dt.datetime | None = None,
            issuer: Literal["ca", "root"] = "ca") -> bytes:
        """A DER CRL of the citizen CA (or the root) listing ``revoked``."""
        name, key = (self.ca_name, self.ca_key) if issuer == "ca" else (self.root_name, self.root_key)
        now = dt.datetime.now(dt.UTC)
        next_update = next_update or now + dt.timedelta(days=7)
        builder = (
            x509.CertificateRevocationListBuilder().issuer_name(name)
            .last_update(min(now, next_update) - dt.timedelta(hours=1)).next_update(next_update)
        )
        for certificate in revoked or []:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(certificate.serial_number)
                .revocation_date(now - dt.timedelta(hours=1)).build()
            )
        return builder.sign(key, _hash_for(key)).public_bytes(serialization.Encoding.DER)

    def ocsp_response(self, request_der: bytes, *, revoked: set[int] | None = None, signer: Literal["ca", "stranger"] = "ca") -> bytes:
        """What the citizen CA's OCSP responder answers to ``request_der``."""
        request = ocsp.load_der_ocsp_request(request_der)
        certificate = self.issued.get(request.serial_number)
        if certificate is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER
            )
        now = dt.datetime.now(dt.UTC)
        is_revoked = certificate.serial_number in (revoked or set())
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=certificate, issuer=self.ca, algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if is_revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - dt.timedelta(minutes=1), next_update=now + dt.timedelta(hours=1),
            revocation_time=now - dt.timedelta(days=1) if is_revoked else None,
            revocation_reason=x509.ReasonFlags.key_compromise if is_revoked else None,
        )
        if signer == "ca":
            responder, key = self.ca, self.ca_key
        else:  # a responder nobody delegated to
            key = _new_key(self.kind)
            name = _name((NameOID.COMMON_NAME, "Stranger OCSP"))
            responder = _certificate(name, key.public_key(), name, key, not_before=now - dt.timedelta(days=1),
                                     not_after=now + dt.timedelta(days=1), ca=False,
                                     extended=[ExtendedKeyUsageOID.OCSP_SIGNING])
            builder = builder.certificates([responder])
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
        return builder.sign(key, _hash_for(key)).public_bytes(serialization.Encoding.DER)

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def end_entity(
        self, holder: Holder, key: PrivateKey, role: Literal["Authentication", "Signature"], *,
        not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
        national_number: str | None = None,
    ) -> x509.Certificate:
        given = holder.first_names.split(" ")[0]
        subject = _name(
            (NameOID.COUNTRY_NAME, "BE"), (NameOID.COMMON_NAME, f"{given} {holder.surname.upper()} ({role})"),
            (NameOID.SURNAME, holder.surname), (NameOID.GIVEN_NAME, holder.first_names),
            (NameOID.SERIAL_NUMBER, national_number or holder.national_number),
        )
        certificate = _certificate(
            subject, key.public_key(), self.ca_name, self.ca_key,
            not_before=not_before or self.now - dt.timedelta(days=30),
            not_after=not_after or self.now + dt.timedelta(days=3000), ca=False,
            usage="auth" if role == "Authentication" else "sign",
        )
        self.issued[certificate.serial_number] = certificate
        return certificate

    def issue_card(
        self,
        holder: Holder | None = None,
        *,
        applet: int | None = None,
        pin: str = "1234",
        auth_key: PrivateKey | None = None,
        auth_not_after: dt.datetime | None = None,
        auth_national_number: str | None = None,
        data_key: PrivateKey | None = None,
        photo: bytes | None = None,
        version_tag: bool = False,
    ) -> IssuedCard:
        """A personalised card. The keyword arguments make the faulty cards of the tests.

        ``data_key`` signs the data files instead of the RRN key; ``auth_national_number``
        puts another number in the authentication certificate; ``version_tag`` starts the
        identity file with the optional tag 00.
        """
        holder = holder or Holder()
        applet = applet or (0x18 if self.kind == "ec" else 0x17)
        serial = os.urandom(16)
        auth_key = auth_key or _new_key(self.kind)
        sign_key = _new_key(self.kind)
        basic_key = ec.generate_private_key(ec.SECP384R1()) if applet >= 0x18 else None
        photo = photo if photo is not None else make_photo(holder.surname)
        auth_cert = self.end_entity(holder, auth_key, "Authentication", not_after=auth_not_after,
                                    national_number=auth_national_number)
        sign_cert = self.end_entity(holder, sign_key, "Signature")
        signer = data_key or self.rrn_key
        valid_from = self.now.date() - dt.timedelta(days=30)
        valid_until = valid_from + dt.timedelta(days=3650)
        photo_hash = hashlib.sha384(photo).digest() if applet >= 0x18 else hashlib.sha1(photo).digest()
        basic_spki = (
            basic_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            if basic_key else None
        )
        fields: list[tuple[int, bytes]] = [(0x00, b"\x01\x00")] if version_tag else []
        fields += [
            (0x01, card_number(int.from_bytes(serial[:5], "big")).encode()), (0x02, serial),
            (0x03, f"{valid_from:%d.%m.%Y}".encode()), (0x04, f"{valid_until:%d.%m.%Y}".encode()),
            (0x05, holder.issuing_municipality.encode()), (0x06, holder.national_number.encode()),
            (0x07, holder.surname.encode()), (0x08, holder.first_names.encode()),
            (0x09, holder.third_name_initial.encode()), (0x0A, holder.nationality.encode()),
            (0x0B, holder.birth_place.encode()), (0x0C, holder.birth_date.encode()), (0x0D, holder.sex.encode()),
            (0x0E, b""), (0x0F, b"01"), (0x10, b"0"), (0x11, photo_hash), (0x12, b"00"),
        ]
        if basic_spki is not None:
            fields.append((0x1A, hashlib.sha384(basic_spki).digest()))
        identity = encode_tlv(fields)
        identity_signature = _sign_data(signer, identity)
        address_content = encode_tlv([
            (0x01, holder.street_and_number.encode()), (0x02, holder.zip_code.encode()),
            (0x03, holder.municipality.encode()),
        ])
        address = address_content.ljust(ADDRESS_FILE_SIZE, b"\x00")
        address_signature = _sign_data(signer, address_content + identity_signature)
        if isinstance(signer, ec.EllipticCurvePrivateKey):
            address_signature = address_signature.ljust(EC_ADDRESS_SIGNATURE_SIZE, b"\x00")
        padding_size = 1100 if applet >= 0x18 else 50
        files = {
            "3F00DF014031": identity, "3F00DF014032": identity_signature,
            "3F00DF014033": address, "3F00DF014034": address_signature, "3F00DF014035": photo,
            "3F00DF005038": der(auth_cert) + bytes(padding_size),
            "3F00DF005039": der(sign_cert) + bytes(padding_size),
            "3F00DF00503A": der(self.ca) + bytes(padding_size),
            "3F00DF00503B": der(self.root) + bytes(padding_size),
            "3F00DF00503C": der(self.rrn) + bytes(padding_size),
        }
        if basic_spki is not None:
            files["3F00DF014040"] = basic_spki
        files.update(pkcs15.files(serial, 384 if isinstance(auth_key, ec.EllipticCurvePrivateKey) else auth_key.key_size))
        card_data = serial + bytes([0x01, 0x02, 0x03, 0x04, 0x05, applet]) + (
            b"\x00\x01\x00\x00\x02\x0F" if applet >= 0x18 else b"\x00\x03\x00\x21\x01\x0F"
        )
        return IssuedCard(applet, files, card_data, holder, pin, auth_key, sign_key, basic_key, auth_cert)


def _sign_data(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return bytes(key.sign(data, ec.ECDSA(hashes.SHA384())))
    # 1.7: the photo hash stays SHA-1 while the files are signed with SHA-256 (the verifier retries).
    return bytes(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))


def make_photo(seed: str) -> bytes:
    """A small grey JPEG (150x195, as on cards since 2021); Pillow draws it when available."""
    try:
        from PIL import Image
    except ImportError:  # a JPEG-shaped placeholder is enough for the hash checks
        return b"\xFF\xD8\xFF\xE0" + hashlib.sha512(seed.encode()).digest() * 40 + b"\xFF\xD9"
    digest = hashlib.sha256(seed.encode()).digest()
    image = Image.new("L", (150, 195), color=200)
    pixels = image.load()
    assert pixels is not None
    for y in range(195):
        for x in range(150):
            pixels[x, y] = (digest[(x // 15 + y // 15) % 32] + x + y) % 256
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=60)
    return out.getvalue()


@dataclasses.dataclass(frozen=True)
class IssuedCard:
    applet: int
    files: dict[str, bytes]
    card_data: bytes
    holder: Holder
    pin: str
    auth_key: PrivateKey
    sign_key: PrivateKey
    basic_key: ec.EllipticCurvePrivateKey | None
    auth_cert: x509.Certificate

    def emulator(self, *, pin_tries: int = 3) -> BelpicCard:
        keys: dict[int, Any] = {0x82: self.auth_key, 0x83: self.sign_key}
        if self.basic_key is not None:
            keys[0x81] = self.basic_key
        return BelpicCard(self.files, applet=self.applet, card_data=self.card_data, pin=self.pin,
                          pin_tries=pin_tries, keys=keys)

    def with_file(self, fid: str, content: bytes) -> IssuedCard:
        """The same card with one file replaced (``fid`` like ``"4031"`` or ``"503A"``)."""
        path = next(p for p in self.files if p.endswith(fid.upper()))
        return dataclasses.replace(self, files={**self.files, path: content})

    def file(self, fid: str) -> bytes:
        return next(content for path, content in self.files.items() if path.endswith(fid.upper()))

    def card_files(self) -> CardFiles:
        """What a reader gets from this card (certificates cut), without any transport."""
        def cert(fid: str) -> bytes | None:
            return cut_der(self.file(fid))

        rrn, root = cert("503C"), cert("503B")
        assert rrn is not None and root is not None
        return CardFiles(
            applet_version=self.applet,
            card_data=self.card_data + (b"\x03\xFF\xFF" if self.applet >= 0x18 else b""),
            identity=self.file("4031"),
            identity_signature=self.file("4032"), address=self.file("4033"),
            address_signature=self.file("4034"), photo=self.file("4035"), rrn_cert=rrn, root_cert=root,
            ca_cert=cert("503A"), auth_cert=cert("5038"), sign_cert=cert("5039"),
            basic_key=self.file("4040") if self.applet >= 0x18 else None,
        )
