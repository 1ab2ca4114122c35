package datasets_test

import (
	"context"
	"fmt"
	"os"

	"github.com/potau/potau/datasets"
)

func ExampleThousands() {
	fmt.Println(datasets.Thousands(100000), datasets.Thousands(1682), datasets.Thousands(-1000209))
	// Output: 100,000 1,682 -1,000,209
}

func ExampleFormatStats() {
	datasets.FormatStats(os.Stdout, "ml-100k", datasets.Stats{
		Users: 943, Items: 1682, Interactions: 100000, Density: 100000.0 / (943 * 1682),
		Attributes: map[string]map[string]int{"gender": {"M": 670, "F": 273}},
	})
	// Output:
	// ml-100k: 943 users, 1,682 items, 100,000 interactions, density 6.305 %
	//   counts: users=943 items=1682 interactions=100000
	//   gender: 670 M / 273 F
}

// Leave-one-out takes each user's latest interaction as the test positive;
// of two interactions with the same timestamp the larger item id is later.
func ExampleMakeSplit() {
	d := &datasets.Dataset{
		Name:    "example",
		UserIDs: []string{"1", "2"},
		ItemIDs: []string{"10", "20", "30", "40"},
		Interactions: []datasets.Interaction{
			{User: 0, Item: 0, Time: 5}, {User: 0, Item: 2, Time: 9}, {User: 0, Item: 1, Time: 7},
			{User: 1, Item: 3, Time: 4}, {User: 1, Item: 0, Time: 4}, // a tie: item "40" is later
		},
	}
	sp, err := datasets.MakeSplit(d, datasets.SplitConfig{Method: "loo", Eval: "sampled", Negatives: 1}, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	for u := range sp.NumUsers {
		fmt.Printf("user %s: train %v test %v, %d negative\n", sp.UserIDs[u], sp.Train[u], sp.Test[u], len(sp.TestNeg[u]))
	}
	// Output:
	// user 1: train [0 1] test [2], 1 negative
	// user 2: train [0] test [3], 1 negative
}

// The synthetic data set needs no files and no network.
func ExamplePrepare() {
	c := datasets.DefaultConfig() // name: synthetic
	d, sp, err := datasets.Prepare(context.Background(), c, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	datasets.FormatStats(os.Stdout, "synthetic", datasets.ComputeStats(d))
	fmt.Println(sp.Protocol.Split, sp.Protocol.Eval, sp.Protocol.Negatives)
	// Output:
	// synthetic: 943 users, 1,682 items, 100,000 interactions, density 6.305 %
	//   counts: users=943 items=1682 interactions=100000
	//   gender: 670 M / 273 F
	// loo sampled 99
}
