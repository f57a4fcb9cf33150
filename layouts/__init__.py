"""Pure component trees per audience; `ids` is the contract with the callbacks."""
