"""Contracts: use-first trials, their outcomes, standard-form documents, insurance and vouchers.

Modules: rules (who may do what: the contract, voucher, insurance_policy and contract_template
tables), trials (create, capacity), trial_matches (the 供需荟 match a trial names), outcomes
(convert / extend / terminate, objections), templates (versioned standard forms), documents
(.docx), texts (built-in texts, amounts in capitals), insurance, vouchers, listing (reads, pickers).
"""
