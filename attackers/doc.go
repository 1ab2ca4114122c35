// Package attackers owns the attribute inference attack: the attackers (an
// MLP with scikit-learn MLPClassifier semantics and gradient-boosted trees
// with XGBoost "hist" semantics whose ensembles are saved as LightGBM v3
// text models and evaluated by github.com/dmitryikh/leaves), the protocol
// around them (class balancing, stratified k-fold cross-validation repeated
// with seeded streams, parallel folds with results independent of the
// number of cores) and the classification metrics it reports.
//
// An attacker is fitted on the user embeddings of users whose attribute is
// known and predicts the attribute of held-out users. Unlearning succeeds
// when every attacker is at chance (AUC ≈ 0.5); an AUC well below 0.5 under
// cross-validation is not success but anti-correlated folds.
//
// The protocol and both attackers are stated in docs/method.md#attack.
package attackers
