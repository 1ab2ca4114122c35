package results

// SchemaVersion is the version of the Record layout; it changes only when a
// field changes meaning or is removed.
const SchemaVersion = 1

// Summary is a metric's mean and standard deviation over folds × repeats
// (attackers) or over seeds (aggregates).
type Summary struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// AttackResult is one attacker's metrics on one table: metric name ("auc",
// "accuracy", "balanced_accuracy", "precision", "recall", "f1") → summary.
// Flags lists warnings such as "below-chance" (AUC well below 0.5: the folds
// became anti-correlated, which is not success).
type AttackResult map[string]Summary

// Record is one cell of an experiment grid: one dataset × model × method ×
// α × dim × seed. Written as one JSON line of results.jsonl.
type Record struct {
	Schema     int    `json:"schema"`
	Name       string `json:"name"` // experiment name from the config
	ConfigHash string `json:"config_hash"`
	Cell       string `json:"cell"` // stable id of the grid cell
	Dataset    string `json:"dataset"`
	Model      string `json:"model"`
	Method     string `json:"method"`      // the method's name (docs/results.md)
	MethodKind string `json:"method_kind"` // KindNone, KindInTraining or KindPostTraining
	Reg        string `json:"reg,omitempty"`
	// Target is "served" when a post-training method changed every
	// user-side table the model scores with and took L_dist on the served
	// representation (unlearn.target: served, NeuMF and LightGCN); empty
	// for the paper's single table.
	Target string `json:"target,omitempty"`
	// ServedRepresentations are the representations L_dist read under
	// target "served", each its own MMD (unlearn.served_representations,
	// resolved: e.g. NeuMF [gmf, mlp-tower]); empty otherwise.
	ServedRepresentations []string                `json:"served_representations,omitempty"`
	Alpha                 float64                 `json:"alpha"`
	Dim                   int                     `json:"dim"`
	Seed                  uint64                  `json:"seed"`
	Protocol              Protocol                `json:"protocol"`
	Selection             string                  `json:"selection"` // "test" (reference leak) or "valid"
	BestEpoch             int                     `json:"best_epoch"`
	DataStats             Stats                   `json:"data_stats"`
	Rec                   map[string]float64      `json:"rec"`    // "hr@10", "ndcg@10", "recall@20", …
	Attack                map[string]AttackResult `json:"attack"` // "mlp", "gbdt"
	// AlphaSearch is the α search of a regularised method run with
	// unlearn.alpha: auto; the record's own metrics are those at the
	// chosen α (Alpha).
	AlphaSearch *AlphaSearch `json:"alpha_search,omitempty"`
	// AuditByAttribute and LeakageByAttribute are, when data.attribute
	// lists several attributes, attribute → the Audit and Leakage of that
	// attribute (the first, primary one's equal Audit and Leakage); absent
	// for one attribute.
	AuditByAttribute   map[string]map[string]map[string]AuditAttack `json:"audit_by_attribute,omitempty"`
	LeakageByAttribute map[string]*Leakage                          `json:"leakage_by_attribute,omitempty"`
	// AttackByAttribute is, when data.attribute lists several attributes,
	// attribute → attacker → metrics for every one of them (the first is
	// the primary attribute, also in Attack); absent for one attribute.
	AttackByAttribute map[string]map[string]AttackResult `json:"attack_by_attribute,omitempty"`
	Flags             []string                           `json:"flags,omitempty"`
	Leakage           *Leakage                           `json:"leakage,omitempty"` // the audit's worst case, when audited
	Collapse          *Collapse                          `json:"collapse,omitempty"`
	TimeS             map[string]float64                 `json:"time_s,omitempty"` // stage → seconds (measured; not in metrics.jsonl)
	PeakRSSMB         float64                            `json:"peak_rss_mb,omitempty"`
	Reference         map[string]float64                 `json:"reference,omitempty"` // reference values from the config
	Sweep             map[string]any                     `json:"sweep,omitempty"`     // the swept paths' values of this cell
	Version           string                             `json:"potau_version"`
	GoVersion         string                             `json:"go_version"`
	Artifacts         map[string]string                  `json:"artifacts,omitempty"` // name → path relative to the run dir
	Config            map[string]any                     `json:"config"`              // the resolved config of the cell
	Curves            *Curves                            `json:"curves,omitempty"`

	// Audit is the leakage audit, when the config runs it: representation
	// ("gmf", "propagated", "recommendations", …) → attacker ("logreg",
	// "knn+nested", …) → outcome. Leakage is its worst case.
	Audit map[string]map[string]AuditAttack `json:"audit,omitempty"`
}

// AlphaSearch is the α search of one record (docs/method.md#alpha-auto):
// the α with the lowest leakage subject to HR@10 ≥ HR10Original −
// MaxHRDrop on Split.
type AlphaSearch struct {
	Chosen float64 `json:"chosen"`
	// Split is where HR@10 was measured: "valid" when the data has a
	// validation split, else "test".
	Split        string  `json:"split"`
	MaxHRDrop    float64 `json:"max_hr_drop"`
	HR10Original float64 `json:"hr10_original"` // the original model's HR@10 on Split
	// Leakage says what was minimised: "audit" (the record's leakage) or
	// "attack" (max(AUC, 1 − AUC) over the attack block's attackers and
	// the attributes, when the audit is off).
	Leakage string `json:"leakage"`
	// Feasible reports whether the chosen α meets the HR@10 constraint;
	// when no α tried does, Chosen is the one with the smallest drop.
	Feasible bool `json:"feasible"`
	// Tried lists every α evaluated, in increasing α.
	Tried []AlphaTry `json:"tried"`
}

// AlphaTry is one evaluation of the α search.
type AlphaTry struct {
	Alpha   float64 `json:"alpha"`
	Leakage float64 `json:"leakage"`
	HR10    float64 `json:"hr10"`
}

// The values of Record.MethodKind: how the record's method produced its
// table. Readers tell methods apart by the kind and by Reg (set exactly
// when the method takes α), never by a list of names.
const (
	KindNone         = "none"          // the original trained model
	KindInTraining   = "in-training"   // the model retrained with an extra term
	KindPostTraining = "post-training" // the trained user table rewritten
)

// Leakage is an audit's worst case over attackers and representations:
// the highest attack AUC found, by which attacker, on which representation
// of the users. Reports rank methods by it when present.
type Leakage struct {
	AUC            float64 `json:"auc"`
	Attacker       string  `json:"attacker"`
	Representation string  `json:"representation"`
}

// AuditAttack is one attacker's outcome on one representation in the
// leakage audit: mean and population std over folds × repeats of the
// held-out AUC (of the positive class; macro one-vs-rest for more than two
// classes) and of the balanced accuracy, and — when the attacker has a
// permutation null — the null's 95th percentile and whether the mean AUC
// exceeds it.
type AuditAttack struct {
	AUC              Summary  `json:"auc"`
	BalancedAccuracy Summary  `json:"balanced_accuracy"`
	Null95           *float64 `json:"null95"`
	ExceedsNull      *bool    `json:"exceeds_null"`
}

// Collapse measures how much unlearning contracted the table: the mean
// pairwise Euclidean distance between users before and after.
type Collapse struct {
	MeanDistBefore float64 `json:"mean_dist_before"`
	MeanDistAfter  float64 `json:"mean_dist_after"`
}

// Curves are per-epoch training and per-step unlearning traces for plots.
type Curves struct {
	TrainLoss []float64            `json:"train_loss,omitempty"`
	TrainHR10 []float64            `json:"train_hr10,omitempty"`
	Unlearn   map[string][]float64 `json:"unlearn,omitempty"` // term → value per step
}

// Protocol records how a split was made and is to be evaluated. The datasets
// package uses this type (datasets.Protocol is an alias of it).
type Protocol struct {
	Split      string `json:"split"`      // "loo" or "ratio"
	Eval       string `json:"eval"`       // "sampled" or "full"
	Negatives  int    `json:"negatives"`  // sampled negatives per test positive
	Validation bool   `json:"validation"` // a validation hold-out exists
}

// Stats summarises a data set or split (before/after filtering): users,
// items, interactions, density, attribute classes and, for splits, the
// positives of each part. The datasets package uses this type
// (datasets.Stats is an alias of it).
type Stats struct {
	Users        int                       `json:"users"`
	Items        int                       `json:"items"`
	Interactions int                       `json:"interactions"`
	Density      float64                   `json:"density"`
	Attributes   map[string]map[string]int `json:"attributes,omitempty"` // name → class → users
	// Train, Valid and Test count the positives of each part (splits only).
	Train int `json:"train,omitempty"`
	Valid int `json:"valid,omitempty"`
	Test  int `json:"test,omitempty"`
}
