// kstatus-check prints what the kstatus library (the one Flux's `wait: true` and kpt use) computes
// for each object in the given YAML/JSON files: one JSON line per object with its kind, name,
// status (InProgress, Failed, Current, Terminating, NotFound, Unknown) and message.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type verdict struct {
	File    string `json:"file"`
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

func check(path string, out *json.Encoder) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	decoder := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		// Decoded by Unstructured itself, so integers stay int64 as kstatus expects.
		u := &unstructured.Unstructured{}
		if err := decoder.Decode(u); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: %w", path, err)
		}
		result, err := status.Compute(u)
		if err != nil {
			return fmt.Errorf("%s: %s/%s: %w", path, u.GetKind(), u.GetName(), err)
		}
		if err := out.Encode(verdict{path, u.GetKind(), u.GetName(), result.Status.String(), result.Message}); err != nil {
			return err
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kstatus-check FILE...")
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	for _, path := range os.Args[1:] {
		if err := check(path, out); err != nil {
			fmt.Fprintln(os.Stderr, "kstatus-check:", err)
			os.Exit(1)
		}
	}
}
