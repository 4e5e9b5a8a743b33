module rxledger

go 1.26
