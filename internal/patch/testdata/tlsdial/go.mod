module example.com/tlsdial

go 1.25
