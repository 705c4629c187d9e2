"""The CRMs the product reads and writes: the one list every module uses."""

SOURCES: tuple[str, ...] = ("salesforce", "hubspot")
