package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Exit codes of the client commands. Scripts can tell a typo (2) from a
// cluster that is down (3), a name that does not exist (4) and a request
// the broker refused (5).
const (
	exitFailure     = 1
	exitUsage       = 2
	exitUnreachable = 3
	exitNotFound    = 4
	exitRejected    = 5
	exitInterrupted = 130
)

// cliError is a failure explained for a person: one line naming the problem
// and the fix, and the exit code that classifies it.
type cliError struct {
	msg  string
	code int
	err  error
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.err }

func newCLIError(code int, err error, format string, args ...any) error {
	return &cliError{msg: oneLine(fmt.Sprintf(format, args...)), code: code, err: err}
}

// usageErrorf reports a bad flag or argument.
func usageErrorf(format string, args ...any) error {
	return newCLIError(exitUsage, nil, format, args...)
}

// notFoundErrorf reports a topic, group or broker that does not exist.
func notFoundErrorf(format string, args ...any) error {
	return newCLIError(exitNotFound, nil, format, args...)
}

// exitCode is the process exit code for an error returned by a command.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ce, ok := errors.AsType[*cliError](err); ok {
		return ce.code
	}
	return exitFailure
}

// flagError is the FlagErrorFunc of the client commands: a bad flag is a
// usage error that points at --help.
func flagError(cmd *cobra.Command, err error) error {
	return usageErrorf("%v (see %s --help)", err, cmd.CommandPath())
}

// explainError turns a client failure into a cliError. bootstrap names the
// brokers dialled; connected says whether any connection ever succeeded.
func explainError(err error, bootstrap string, connected bool) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*cliError](err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return newCLIError(exitInterrupted, err, "interrupted")
	}
	if isDialError(err) || (!connected && isTimeout(err)) {
		return newCLIError(exitUnreachable, err,
			"cannot reach broker at %s: is `strata serve` running? use --bootstrap-server", bootstrap)
	}
	if isTimeout(err) {
		return newCLIError(exitFailure, err,
			"timed out waiting for the broker at %s: retry, or raise request.timeout.ms in --command-config", bootstrap)
	}
	if errors.Is(err, errNoTopic) {
		return newCLIError(exitNotFound, err, "%v: check the name with `strata topics list`", err)
	}
	if ke, ok := errors.AsType[*kerr.Error](err); ok {
		return brokerError("request failed", ke, "")
	}
	return newCLIError(exitFailure, err, "%v", err)
}

// brokerError explains an error code a broker returned for what (a topic,
// a group, a config), with the broker's own message when it sent one.
func brokerError(what string, err error, brokerMsg string) error {
	ke, ok := errors.AsType[*kerr.Error](err)
	if !ok {
		return newCLIError(exitFailure, err, "%s: %v", what, err)
	}
	detail := ke.Message
	if brokerMsg != "" {
		detail = brokerMsg + " (" + ke.Message + ")"
	}
	code, fix := classifyKafkaError(ke)
	if fix == "" {
		return newCLIError(code, err, "%s: %s", what, detail)
	}
	return newCLIError(code, err, "%s: %s: %s", what, detail, fix)
}

// classifyKafkaError maps a Kafka error code to an exit code and a fix.
func classifyKafkaError(ke *kerr.Error) (int, string) {
	switch ke {
	case kerr.UnknownTopicOrPartition, kerr.UnknownTopicID:
		return exitNotFound, "check the name with `strata topics list`"
	case kerr.GroupIDNotFound:
		return exitNotFound, "check the name with `strata groups list`"
	case kerr.TopicAlreadyExists:
		return exitRejected, "pick another name, or pass --if-not-exists"
	case kerr.InvalidConfig, kerr.PolicyViolation:
		return exitRejected, "fix the value (see `strata configs describe`)"
	case kerr.InvalidReplicationFactor:
		return exitRejected, "use a --replication-factor no larger than the number of brokers"
	case kerr.InvalidPartitions:
		return exitRejected, "--partitions must be positive and can only grow"
	case kerr.InvalidTopicException:
		return exitRejected, "topic names use letters, digits, '.', '_' and '-' (at most 249)"
	case kerr.NonEmptyGroup:
		return exitRejected, "stop the group's consumers first"
	case kerr.GroupSubscribedToTopic:
		return exitRejected, "the group's members still consume the topic; stop them first"
	}
	if strings.HasPrefix(ke.Message, "INVALID_") {
		return exitRejected, ""
	}
	return exitFailure, ""
}

// isDialError reports a failure to open a TCP connection.
func isDialError(err error) bool {
	oe, ok := errors.AsType[*net.OpError](err)
	return ok && oe.Op == "dial"
}

// isTimeout reports a deadline that passed, in the context or the network.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

// oneLine folds a multi-line message onto one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// runParent is the RunE of a command that only groups subcommands: help
// without arguments, a usage error for an unknown subcommand.
func runParent(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unknown command %q for %q: see %s --help", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return cmd.Help()
}
