// Package unlearning owns post-training attribute unlearning of a trained
// recommender's user table and the in-training baselines it is compared
// with. The method is stated in docs/method.md#unlearning (losses, kernels
// and bandwidths, regularisers, optimiser) and docs/method.md#baselines.
//
// The objective over the unlearnable user table U (N×d) is
//
//	L(U) = L_dist(U) + α · L_reg(U)
//
// with L_dist one of
//
//	U2U: Σ_{i∈G0} Σ_{j∈G1} ‖u_i − u_j‖²          (O(N·d) from group sums)
//	D2D: MMD²(G0, G1), 5 Gaussian kernels          (O(N²·d), tiled)
//
// and L_reg the parameter-space ‖U − U₀‖²_F or the function-space ranking
// hinge over each user's original top-k list. Adam over U alone minimises L;
// the result is the original model re-bound to the new table. Under
// unlearn.target "served" U is every user-side table the model scores with
// and L_dist reads the served representation (docs/method.md#served).
//
// Every reduction is accumulated in float64 in a fixed order over fixed
// blocks, so the same inputs give byte-identical tables whatever the number
// of workers.
//
// The O(N²·d) MMD runs its two tile products and its kernel values on
// internal/dense's Tile4x16 and GaussRow (AVX2 and FMA assembly on amd64
// processors that have them, portable Go under -tags purego and elsewhere);
// float64 inputs and bandwidths that do not halve use the float64 loop of
// mmd.go. The tests compare the assembly with both portable paths.
package unlearning
