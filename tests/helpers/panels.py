"""Shared inputs of the estimation tests."""

#: The 17 countries of the 1993 Caliendo–Parro panel the estimation tests use.
COUNTRIES_1993 = [
    "ARG",
    "AUS",
    "BRA",
    "CAN",
    "CHL",
    "CHN",
    "HUN",
    "IND",
    "IDN",
    "JPN",
    "KOR",
    "MEX",
    "NZL",
    "NOR",
    "ZAF",
    "TUR",
    "USA",
]
