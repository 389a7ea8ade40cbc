"""Fee claims (service fees, voucher refunds, operating subsidies) and the budgets they draw on."""
