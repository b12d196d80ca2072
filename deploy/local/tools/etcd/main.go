// Command etcd runs the real etcd server; etcd's own main package cannot be `go install`ed
// because its module carries replace directives.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
