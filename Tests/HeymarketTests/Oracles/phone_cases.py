#!/usr/bin/env python3
"""Phone numbers written as people write them, with what Google's libphonenumber
(Python's `phonenumbers`) reads them as: the oracle for hmq's phone normaliser.

Prints one JSON object per line: {"region", "cc", "input", "expected"}, where
expected is the E.164 digits without '+' (null when phonenumbers does not read
the input as a valid number under that region). Deterministic for a seed.
"""
import json
import random
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat as F
from phonenumbers import PhoneNumberType as T

REGIONS = ["US", "CA", "GB", "FR", "DE", "IT", "ES", "AU", "JP", "IN", "NL", "SE", "CH", "IE",
           "NZ", "RU", "HU", "ZA", "PL", "BE", "DK", "NO", "PT", "FI", "AT", "MX"]
TYPES = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.FIXED_LINE_OR_MOBILE, T.VOIP]
FULLWIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# The international prefix hmq reads for the region's country code.
INTERNATIONAL = {"US": "011", "CA": "011", "AU": "0011", "JP": "010", "RU": "810"}


def variants(number, region, rng, count):
    """Up to `count` valid numbers like `number`, its last digits changed."""
    found = {number.national_number}
    text = str(number.national_number)
    for _ in range(count * 20):
        if len(found) > count:
            break
        keep = max(1, len(text) - rng.choice([2, 3, 4]))
        candidate = text[:keep] + "".join(rng.choice("0123456789") for _ in range(len(text) - keep))
        parsed = phonenumbers.PhoneNumber(country_code=number.country_code, national_number=int(candidate),
                                          italian_leading_zero=number.italian_leading_zero,
                                          number_of_leading_zeros=number.number_of_leading_zeros)
        if phonenumbers.is_valid_number_for_region(parsed, region):
            found.add(parsed.national_number)
            yield parsed


def writings(number, region):
    cc = str(number.country_code)
    e164 = phonenumbers.format_number(number, F.E164)
    national = phonenumbers.format_number(number, F.NATIONAL)
    international = phonenumbers.format_number(number, F.INTERNATIONAL)
    nsn = phonenumbers.national_significant_number(number)
    out = [e164, e164[1:], international, national, "".join(c for c in national if c.isdigit()),
           INTERNATIONAL.get(region, "00") + cc + nsn, international.replace(" ", "-"), national.replace(" ", ".")]
    # Digits of other scripts, as people paste them.
    out.append(international.translate(FULLWIDTH))
    out.append(national.translate(ARABIC_INDIC))
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata.national_prefix == "0":
        out.append("+" + cc + " (0)" + international[len(cc) + 1:])
        out.append("+" + cc + " 0" + nsn)
    return out


def expected(text, region):
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, F.E164)[1:]


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    per_type = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    rng = random.Random(seed)
    serial = 0
    for region in REGIONS:
        cc = phonenumbers.country_code_for_region(region)
        for number_type in TYPES:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is None:
                continue
            for number in [example] + list(variants(example, region, rng, per_type)):
                serial += 1
                for text in writings(number, region):
                    print(json.dumps({"region": region, "cc": str(cc), "number": serial, "input": text,
                                      "expected": expected(text, region)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
