package sipptest

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func testScenario(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("resolving %s: %v", name, err)
	}
	return path
}

func readyWithin(t *testing.T, p *Process, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := p.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
}

func TestBusyAgentRejectsCallerAndBothSucceed(t *testing.T) {
	for _, transport := range []string{"u1", "t1"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			agent := Start(t, Options{Scenario: "agent_busy.xml", Transport: transport, Timeout: 20 * time.Second})
			readyWithin(t, agent, 10*time.Second)

			caller := Start(t, Options{
				Scenario:  testScenario(t, "caller_busy.xml"),
				Remote:    agent.Addr(),
				Transport: transport,
				Timeout:   20 * time.Second,
			})
			if res := caller.Wait(); res.ExitCode != 0 {
				t.Errorf("caller: %s", res)
			}
			if res := agent.Wait(); res.ExitCode != 0 {
				t.Errorf("agent: %s", res)
			}
		})
	}
}

func TestReadyFailsWhenSIPpExitsFirst(t *testing.T) {
	t.Parallel()
	// agent.xml needs keys; without them SIPp refuses to load it and exits.
	p := Start(t, Options{Scenario: "agent.xml", Timeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := p.Ready(ctx)
	if !errors.Is(err, ErrExited) {
		t.Fatalf("Ready = %v, want ErrExited", err)
	}
	if res := p.Wait(); res.ExitCode == 0 {
		t.Errorf("sipp without keys exited 0: %s", res)
	}
}

func TestUASWithoutCallerFailsAtItsTimeout(t *testing.T) {
	t.Parallel()
	p := Start(t, Options{Scenario: "agent_busy.xml", Timeout: time.Second})
	res := p.Wait()
	if res.ExitCode == 0 {
		t.Fatalf("a UAS that never got its call exited 0: %s", res)
	}
}

func TestWaitReturnsTheSameResultTwice(t *testing.T) {
	t.Parallel()
	p := Start(t, Options{Scenario: "agent.xml", Timeout: 10 * time.Second})
	first, second := p.Wait(), p.Wait()
	if first != second {
		t.Errorf("Wait results differ: %+v vs %+v", first, second)
	}
}
