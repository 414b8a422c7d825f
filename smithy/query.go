package smithy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/httpx"
)

// queryRequest builds an awsQuery or ec2Query request: POST of a form with
// Action, Version and the input members flattened into keys (Name.member.1
// or, for ec2Query, Name.1; Name.entry.1.key; Name.Sub; ...).
func (t *Target) queryRequest(ctx context.Context, op *operation, args map[string]json.RawMessage) (*http.Request, error) {
	form := url.Values{}
	form.Set("Action", op.name)
	form.Set("Version", t.svc.version)
	raw, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	if err := t.queryStruct(form, "", op.input, raw, 0); err != nil {
		return nil, err
	}
	u := *t.endpoint
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewBufferString(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return req, nil
}

// queryKey returns a member's key: for awsQuery its @xmlName or name; for
// ec2Query its @ec2QueryName, else its @xmlName or name with the first
// letter upper-cased.
func (t *Target) queryKey(mm *member) string {
	if t.proto != EC2Query {
		return xmlName(mm.traits, mm.name)
	}
	if n := traitString(mm.traits, "aws.protocols#ec2QueryName"); n != "" {
		return n
	}
	n := xmlName(mm.traits, mm.name)
	if n != "" && n[0] >= 'a' && n[0] <= 'z' {
		n = string(n[0]-'a'+'A') + n[1:]
	}
	return n
}

func (t *Target) queryStruct(form url.Values, prefix string, s *shape, v json.RawMessage, depth int) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return err
	}
	for _, mm := range s.members {
		mv, ok := obj[mm.name]
		if !ok || isNull(mv) {
			continue
		}
		key := t.queryKey(mm)
		if prefix != "" {
			key = prefix + "." + key
		}
		if err := t.queryValue(form, key, t.m.shapes[mm.target], has(mm.traits, trXMLFlattened), mv, depth+1); err != nil {
			return fmt.Errorf("%s: %w", mm.name, err)
		}
	}
	return nil
}

func (t *Target) queryValue(form url.Values, key string, s *shape, flat bool, v json.RawMessage, depth int) error {
	if s == nil || depth > maxXMLDepth {
		return errors.New("value nested too deeply")
	}
	switch s.typ {
	case "structure", "union":
		return t.queryStruct(form, key, s, v, depth)
	case "list", "set":
		var arr []json.RawMessage
		if err := json.Unmarshal(v, &arr); err != nil {
			return err
		}
		if len(arr) == 0 {
			if t.proto != EC2Query {
				form.Set(key, "")
			}
			return nil
		}
		base := key + "." + xmlName(s.member.traits, "member")
		if flat || t.proto == EC2Query { // ec2Query lists are always flat
			base = key
		}
		el := t.m.shapes[s.member.target]
		for i, e := range arr {
			if err := t.queryValue(form, base+"."+strconv.Itoa(i+1), el, false, e, depth+1); err != nil {
				return err
			}
		}
		return nil
	case "map":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v, &obj); err != nil {
			return err
		}
		keys := slices.Sorted(maps.Keys(obj))
		base := key + ".entry"
		if flat {
			base = key
		}
		kn, vn := xmlName(s.key.traits, "key"), xmlName(s.value.traits, "value")
		vs := t.m.shapes[s.value.target]
		for i, k := range keys {
			p := base + "." + strconv.Itoa(i+1)
			form.Set(p+"."+kn, k)
			if err := t.queryValue(form, p+"."+vn, vs, false, obj[k], depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	text, err := scalarText(v)
	if err != nil {
		return err
	}
	form.Set(key, text)
	return nil
}

// queryResponse maps an awsQuery response, whose output members are the
// children of <OperationResult> inside <OperationResponse>, or an ec2Query
// one, whose members are the children of <OperationResponse>.
func (t *Target) queryResponse(op *operation, resp *http.Response) (*toolgate.Result, error) {
	data, res := t.readOK(resp)
	if res != nil {
		return res, nil
	}
	if op.output == nil {
		return toolgate.TextResult("OK"), nil
	}
	root, err := parseXML(data)
	if err != nil {
		return toolgate.ErrorResult(fmt.Sprintf("HTTP %s: response is not XML (%v): %s", resp.Status, err, httpx.Excerpt(data, false, ""))), nil
	}
	result := root.child(op.name + "Result")
	if t.proto == EC2Query {
		result = root // <OperationResponse> holds the members itself
	}
	out := map[string]any{}
	if result != nil {
		out = t.xmlStruct(op.output, result, 0)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("smithy: operation %s: %w", op.name, err)
	}
	return structured(b), nil
}
