"""Empathy Engine's lab: the real product code deciding for simulated people.

The product (``empathy_engine``) and the sandbox CRM's simulator (``empathy_sandbox``) never
import each other; this package imports both, so nothing here ships inside either.
"""
