module example.com/program

go 1.25

require example.com/legacy v0.0.0

replace example.com/legacy => ./legacy
