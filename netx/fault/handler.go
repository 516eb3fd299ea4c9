package fault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// Handler returns an http.Handler that lists, adds, changes and removes
// the toxics of the running program, with JSON in the style of
// toxiproxy's API, where a toxiproxy "proxy" is a target:
//
//	GET    toxics                          every toxic injected, with its target
//	POST   toxics                          inject one: a toxic's JSON with a "target"; 201
//	POST   reset                           remove every toxic; 204
//	GET    targets                         the targets and their toxics
//	GET    targets/{target}/toxics         the toxics of one target
//	POST   targets/{target}/toxics         inject one on target; 201
//	GET    targets/{target}/toxics/{name}  one toxic
//	POST   targets/{target}/toxics/{name}  change its attributes or toxicity (PATCH too)
//	DELETE targets/{target}/toxics/{name}  remove it; 204
//
// A toxic's JSON is toxiproxy's (see Toxic.UnmarshalJSON); an error is
// {"error": message, "status": code}, as toxiproxy's. Toxics injected
// with Inject show here, and can be changed and removed here; their
// remove functions then do nothing. For example, to add 100 ms to what a
// program receives from 127.0.0.1:6379, with the handler mounted on
// /debug/coop/faults/:
//
//	curl -d '{"target": "127.0.0.1:6379", "type": "latency", "attributes": {"latency": 100}}' \
//		localhost:6060/debug/coop/faults/toxics
//
// Mount it under a prefix it strips, next to the live page:
//
//	mux.Handle("/debug/coop/", http.StripPrefix("/debug/coop", live.Handler(s)))
//	mux.Handle("/debug/coop/faults/", http.StripPrefix("/debug/coop/faults", fault.Handler()))
//
// Whoever reaches the handler can break the program's network: mount it
// only where the live page's kill button would be safe. It is safe for
// concurrent use.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /toxics", listAll)
	mux.HandleFunc("POST /toxics", create)
	mux.HandleFunc("POST /reset", resetAll)
	mux.HandleFunc("GET /targets", listTargets)
	mux.HandleFunc("GET /targets/{target}/toxics", listTarget)
	mux.HandleFunc("POST /targets/{target}/toxics", create)
	mux.HandleFunc("GET /targets/{target}/toxics/{name}", show)
	mux.HandleFunc("POST /targets/{target}/toxics/{name}", update)
	mux.HandleFunc("PATCH /targets/{target}/toxics/{name}", update)
	mux.HandleFunc("DELETE /targets/{target}/toxics/{name}", remove)
	return mux
}

// toxicReply is a toxic as the handler shows it: toxiproxy's fields and
// its target.
type toxicReply struct {
	Target string `json:"target"`
	Toxic
}

func (r toxicReply) MarshalJSON() ([]byte, error) {
	b, err := r.Toxic.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["target"], _ = json.Marshal(r.Target)
	return json.Marshal(m)
}

type targetReply struct {
	Target string       `json:"target"`
	Toxics []toxicReply `json:"toxics"`
}

func replyOf(e *entry) toxicReply { return toxicReply{Target: e.target.raw, Toxic: e.toxic} }

func listAll(w http.ResponseWriter, r *http.Request) {
	out := []toxicReply{}
	for _, e := range reg.list() {
		out = append(out, replyOf(e))
	}
	reply(w, http.StatusOK, out)
}

func listTargets(w http.ResponseWriter, r *http.Request) {
	out := []targetReply{}
	for _, e := range reg.list() {
		i := slices.IndexFunc(out, func(t targetReply) bool { return t.Target == e.target.raw })
		if i < 0 {
			out = append(out, targetReply{Target: e.target.raw})
			i = len(out) - 1
		}
		out[i].Toxics = append(out[i].Toxics, replyOf(e))
	}
	reply(w, http.StatusOK, out)
}

func listTarget(w http.ResponseWriter, r *http.Request) {
	out := []toxicReply{}
	for _, e := range reg.list() {
		if e.target.raw == r.PathValue("target") {
			out = append(out, replyOf(e))
		}
	}
	reply(w, http.StatusOK, out)
}

// create injects the toxic of the request's body, on the path's target
// or the body's.
func create(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		replyError(w, http.StatusBadRequest, err)
		return
	}
	var in struct {
		Target string `json:"target"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		replyError(w, http.StatusBadRequest, fmt.Errorf("fault: bad request body: %v", err))
		return
	}
	if pt := r.PathValue("target"); pt != "" {
		if in.Target != "" && in.Target != pt {
			replyError(w, http.StatusBadRequest, fmt.Errorf("fault: target %q in the body, %q in the path", in.Target, pt))
			return
		}
		in.Target = pt
	}
	if in.Target == "" {
		replyError(w, http.StatusBadRequest, errors.New("fault: a toxic needs a target"))
		return
	}
	var t Toxic
	if err := t.UnmarshalJSON(body); err != nil {
		replyError(w, http.StatusBadRequest, err)
		return
	}
	tg, err := parseTarget(in.Target)
	if err != nil {
		replyError(w, http.StatusBadRequest, err)
		return
	}
	added, err := reg.add(tg, []Toxic{t}, -1)
	if err != nil {
		replyError(w, http.StatusConflict, err)
		return
	}
	reply(w, http.StatusCreated, replyOf(added[0]))
}

// find returns the entry the path names, or replies 404.
func find(w http.ResponseWriter, r *http.Request) *entry {
	target, name := r.PathValue("target"), r.PathValue("name")
	for _, e := range reg.list() {
		if e.target.raw == target && e.toxic.Name() == name {
			return e
		}
	}
	replyError(w, http.StatusNotFound, fmt.Errorf("fault: no toxic %q on %q", name, target))
	return nil
}

func show(w http.ResponseWriter, r *http.Request) {
	if e := find(w, r); e != nil {
		reply(w, http.StatusOK, replyOf(e))
	}
}

// update changes a toxic's attributes or toxicity (toxiproxy's update):
// the fields the body has; its type, name and stream stay.
func update(w http.ResponseWriter, r *http.Request) {
	e := find(w, r)
	if e == nil {
		return
	}
	var in toxicJSON
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		replyError(w, http.StatusBadRequest, fmt.Errorf("fault: bad request body: %v", err))
		return
	}
	cur, err := e.toxic.MarshalJSON()
	if err != nil {
		replyError(w, http.StatusInternalServerError, err)
		return
	}
	var merged toxicJSON
	json.Unmarshal(cur, &merged)
	if len(in.Attributes) > 0 {
		var a, b map[string]json.RawMessage
		json.Unmarshal(merged.Attributes, &a)
		if err := json.Unmarshal(in.Attributes, &b); err != nil {
			replyError(w, http.StatusBadRequest, fmt.Errorf("fault: bad attributes: %v", err))
			return
		}
		if a == nil {
			a = map[string]json.RawMessage{}
		}
		for k, v := range b {
			a[k] = v
		}
		merged.Attributes, _ = json.Marshal(a)
	}
	if in.Toxicity != nil {
		merged.Toxicity = in.Toxicity
	}
	t, err := merged.toxic()
	if err != nil {
		replyError(w, http.StatusBadRequest, err)
		return
	}
	t.name = e.toxic.name
	n := &entry{toxic: t, target: e.target}
	if !reg.replace(e, n) {
		replyError(w, http.StatusNotFound, fmt.Errorf("fault: no toxic %q on %q", e.toxic.Name(), e.target.raw))
		return
	}
	reply(w, http.StatusOK, replyOf(n))
}

func remove(w http.ResponseWriter, r *http.Request) {
	if e := find(w, r); e != nil {
		reg.remove(e)
		w.WriteHeader(http.StatusNoContent)
	}
}

func resetAll(w http.ResponseWriter, r *http.Request) {
	reg.remove(reg.list()...)
	w.WriteHeader(http.StatusNoContent)
}

func reply(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		replyError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// replyError answers as toxiproxy's ApiError does.
func replyError(w http.ResponseWriter, code int, err error) {
	b, _ := json.Marshal(struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}{err.Error(), code})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}
