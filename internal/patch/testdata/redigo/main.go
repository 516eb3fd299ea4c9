// A program that uses a Redis client, gomodule/redigo, as any program
// would, and knows nothing of coop: it waits for a value on a list that
// nobody pushes to.
package main

import (
	"fmt"
	"os"

	"github.com/gomodule/redigo/redis"
)

func main() {
	c, err := redis.Dial("tcp", os.Args[1])
	if err != nil {
		fmt.Println("dial:", err)
		os.Exit(1)
	}
	defer c.Close()
	if _, err := c.Do("PING"); err != nil {
		fmt.Println("PING:", err)
		os.Exit(1)
	}
	fmt.Println("waiting")
	_, err = c.Do("BLPOP", "coop-test-queue", 0) // blocks until a push, forever
	fmt.Println("BLPOP:", err)
}
