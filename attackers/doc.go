// Package attackers owns the attribute inference attack: the attackers,
// the protocol around them and the leakage audit. It sees only tables and
// labels — what a table is (which model, which representation) is the
// caller's business.
//
// The paper's instruments are an MLP with scikit-learn MLPClassifier
// semantics and gradient-boosted trees with XGBoost "hist" semantics whose
// ensembles are saved as LightGBM v3 text models and evaluated by
// github.com/dmitryikh/leaves. Run puts them in the protocol: class
// balancing, stratified k-fold cross-validation repeated with seeded
// streams, parallel folds with results independent of the number of
// cores, and the classification metrics it reports.
//
// An attacker is fitted on the user embeddings of users whose attribute is
// known and predicts the attribute of held-out users. Unlearning succeeds
// when every attacker is at chance (AUC ≈ 0.5); an AUC well below 0.5 under
// cross-validation is not success but anti-correlated folds — a table in
// which each user sits among the other group — and an attacker that learns
// the sign reads the attribute back. The audit measures exactly that.
//
// # The leakage audit
//
// Audit attacks one Table — dense (an embedding table) or sparse multi-hot
// (a csr.Matrix, e.g. each user's top-20 recommended items) — with five
// attackers, each plain and nested, and returns per attacker the mean and
// std of the held-out AUC and balanced accuracy, the 95th percentile of a
// permutation null, and the Leakage: the largest mean AUC over every
// attacker run (macro one-vs-rest AUC for more than two classes).
//
//   - "mlp", "gbdt": the paper's attackers, unchanged.
//   - "mlp-std": the paper's MLP behind a StandardScaler fitted on the
//     training rows (MLPConfig.Standardize).
//   - "logreg": make_pipeline(StandardScaler(), LogisticRegression(C=1)):
//     L2 penalty ½‖w‖² with the intercept unpenalised and C scaling the
//     data term, multinomial for more than two classes. The optimum is
//     unique; dense binary problems are solved by Newton's method, the rest
//     by L-BFGS, to a relative gradient of 1e-9. Sparse tables are not
//     standardised (their columns are 0/1 indicators already on one scale).
//   - "knn": make_pipeline(StandardScaler(), KNeighborsClassifier(5)):
//     Euclidean distance on standardised features, uniform weights,
//     P(class) = its share of the k votes; among equidistant neighbours the
//     lower training index wins (brute force's stable sort), an argmax tie
//     goes to the lower class. On sparse tables kNN uses the Jaccard
//     distance 1 − |A∩B|/|A∪B| between the sets of items: it is a metric on
//     sets that ignores the items neither user has, and for fixed-length
//     top-N lists it orders neighbours exactly as cosine similarity does
//     (both are increasing functions of |A∩B| when |A| = |B|).
//   - "<attacker>+nested": the outer model is the plain attacker's; a
//     calibrator (LogisticRegression(C=1) on the attacker's P(class 1) for
//     two classes — which learns the sign — multinomial on the probability
//     vector for more — which learns any relabelling) is fit on
//     out-of-fold scores from inside the outer training fold and maps the
//     outer model's output on the test fold to the label. The inner folds
//     are the other outer folds, so a repeat needs k(k−1)/2 extra fits; the
//     outer test fold is never seen before it is scored.
//
// The null reruns the whole protocol on labels permuted within every fold
// (20 permutations by default, on for logreg and knn): the observed AUC is
// exceptional when it exceeds the null's 95th percentile. The audit
// shuffles its folds (seeded) unless told not to. An attacker that cannot
// run on a table is an error naming the attacker, the table and the
// problem, never a NaN.
//
// The protocol and both paper attackers are stated in docs/method.md#attack,
// the audit in docs/method.md#audit.
package attackers
