"""The enterprise's side of the scheme (DOMAIN.md rule 12): requests for a free trial or a
registered interest, made from a result, decided by the result's city operator."""
