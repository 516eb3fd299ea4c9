module example.com/redigo

go 1.25

require github.com/gomodule/redigo v1.9.3
