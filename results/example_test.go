package results_test

import (
	"fmt"
	"strings"

	"github.com/potau/potau/results"
)

// A labels CSV as the exporter writes it, and read back: rows ascending,
// classes sorted, unknown users left out.
func ExampleReadLabels() {
	b := results.EncodeLabels("gender", []string{"F", "M"}, []int32{1, -1, 0, 1})
	fmt.Print(string(b))
	l, err := results.ReadLabels(strings.NewReader(string(b)), "labels.csv", 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Rows, l.Y, l.Classes, l.ByRow(4))
	// Output:
	// user,gender
	// 0,M
	// 2,F
	// 3,M
	// [0 2 3] [1 0 1] [F M] [M  F M]
}
