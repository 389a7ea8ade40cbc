"""供需荟, the supply-demand hub: enterprises' demands and the match records between a demand or
an enterprise and a result. The ranking itself lives in portal.search."""
