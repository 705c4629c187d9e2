"""One exception tree for the whole product.

Every message names what was wrong, what was expected, and how to fix it.

    EmpathyError
    ├── ConfigError              a setting or an Airflow connection is missing or malformed
    ├── DataQualityError         a Great Expectations gate failed: nothing is written to the CRM
    ├── ModelError               no usable model, or training data too thin to train one
    └── CrmError                 a CRM call failed after the retries it deserved
        ├── CrmAuthError         401/403 that a retry cannot fix (bad token, missing scope)
        ├── CrmBudgetExceeded    the daily allowance or this run's API budget is spent
        └── CrmRejected          the CRM refused a request (400/404/409): a bug or bad data
"""

from __future__ import annotations


class EmpathyError(Exception):
    """Base class of every error this product raises on purpose."""


class ConfigError(EmpathyError):
    """A setting or an Airflow connection is missing or malformed."""


class DataQualityError(EmpathyError):
    """A data-quality gate failed; the run stops before anything is written to a CRM."""


class ModelError(EmpathyError):
    """No usable model, or not enough history to train one."""


class CrmError(EmpathyError):
    """A CRM call failed after the retries it deserved."""

    def __init__(self, message: str, *, crm: str = "", status: int | None = None):
        super().__init__(message)
        self.crm = crm
        self.status = status


class CrmAuthError(CrmError):
    """Credentials are wrong or lack a permission; retrying will not help."""


class CrmBudgetExceeded(CrmError):
    """The CRM's daily allowance, or this run's own API budget, is spent."""


class CrmRejected(CrmError):
    """The CRM refused the request as invalid (400/404/409)."""
