#!/usr/bin/env python3
"""Phone numbers written as people write them, with what Google's libphonenumber
(Python's `phonenumbers`) reads them as: the oracle for hmq's phone normaliser,
over every region libphonenumber has example numbers for (and its codes of no
region, 800, 808, ..., in international form only).

Usage: phone_cases.py [seed] [numbers per type]

Prints one JSON object per line: {"region", "cc", "input", "expected"}, where
expected is the E.164 digits without '+' (null when phonenumbers does not read
the input as a valid number under that region). Deterministic for a seed.
"""
import json
import random
import re
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat as F
from phonenumbers import PhoneNumberType as T

# Every region libphonenumber has example numbers for, and its codes of no region (800, 808, ...).
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
NON_GEO = sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
TYPES = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.FIXED_LINE_OR_MOBILE, T.VOIP]
FULLWIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# Prefixes tried, in turn, against a region's international prefix regex when it names no preferred one.
COMMON_PREFIXES = ["00", "011", "010", "0011", "810", "000", "001", "009", "119"]


def international_prefix(region):
    """A prefix people in `region` dial before a country code: its preferred one, or one its regex matches."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata.preferred_international_prefix:
        return metadata.preferred_international_prefix.replace("~", "")
    pattern = metadata.international_prefix
    if pattern is None:
        return "00"
    for candidate in COMMON_PREFIXES:
        if re.fullmatch(pattern, candidate):
            return candidate
    return "00"


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
    international = phonenumbers.format_number(number, F.INTERNATIONAL)
    out = [e164, international, international.replace(" ", "-"), international.translate(FULLWIDTH)]
    if region == "001":  # no national form
        return out
    national = phonenumbers.format_number(number, F.NATIONAL)
    nsn = phonenumbers.national_significant_number(number)
    out += [e164[1:], national, "".join(c for c in national if c.isdigit()),
            international_prefix(region) + cc + nsn, national.replace(" ", ".")]
    # Digits of other scripts, as people paste them.
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


def examples(region):
    """(number type, example number) of `region`, or of the code of no region `region` is."""
    if isinstance(region, int):
        example = phonenumbers.example_number_for_non_geo_entity(region)
        return [] if example is None else [(None, example)]
    return [(t, e) for t in TYPES if (e := phonenumbers.example_number_for_type(region, t)) is not None]


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    per_type = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    rng = random.Random(seed)
    serial = 0
    for region in REGIONS + NON_GEO:
        name = "001" if isinstance(region, int) else region
        for _, example in examples(region):
            cc = example.country_code
            for number in [example] + list(variants(example, name, rng, per_type)):
                serial += 1
                for text in writings(number, name):
                    print(json.dumps({"region": name, "cc": str(cc), "number": serial, "input": text,
                                      "expected": expected(text, name)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
