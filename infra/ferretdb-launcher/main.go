// Command ferretdb-launcher runs FerretDB v1 through its embeddable package.
//
// Why this exists: `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`
// builds, but the binary panics at start-up because the module archive lacks the
// generated build/version/version.txt. The embeddable package skips that check
// when the main module is not FerretDB itself, and it disables telemetry on its own.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite URI of the data directory (must end with a slash)")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	// Accepted so that the command line matches the ferretdb binary's.
	handler := flag.String("handler", "sqlite", "backend handler; only sqlite is built in")
	flag.String("telemetry", "disable", "ignored: the embeddable package never reports telemetry")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println("ferretdb-launcher (FerretDB v1.24.2, embedded)")
		return
	}
	if *handler != "sqlite" {
		fmt.Fprintf(os.Stderr, "unsupported --handler %q: only sqlite is built in\n", *handler)
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "invalid --log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: *sqliteURL,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go func() {
		<-ctx.Done()
		logger.Info("shutting down")
	}()

	fmt.Fprintf(os.Stderr, "ferretdb-launcher: listening on %s, data %s\n", *listenAddr, *sqliteURL)
	if err := server.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
}
