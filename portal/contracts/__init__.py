"""Contracts: use-first trials, their outcomes, standard-form documents, insurance and vouchers.

Modules: trials (create, capacity), outcomes (convert / extend / terminate, objections),
templates (versioned standard forms), documents (.docx), insurance, vouchers, listing (reads).
"""
