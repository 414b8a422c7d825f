// Command stdio serves the test server over its standard input and output,
// and says on standard error that it started.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/mcpserver/internal/testserver"
)

func main() {
	fmt.Fprintf(os.Stderr, "testserver: started, pid %d\n", os.Getpid())
	if err := testserver.New(nil).Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
}
