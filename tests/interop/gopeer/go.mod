module nssl/tests/interop/gopeer

go 1.19
