package rest

import (
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// A fast template renders the simple templates most endpoints use (text,
// {{.Key}}, {{.Limit}}, {{join .Keys ","}}, {{json .Keys}}, {{rfc3339
// .Since}}, {{unix .Until}}, and {{range $i, $k := .Keys}}{{if
// $i}},{{end}}{{json $k}}{{end}}) without text/template's reflection. A
// template with anything else (other fields, pipes, variables elsewhere,
// else branches) is left to text/template. Both write the same bytes.

// pieceKind is what one piece of a fast template writes.
type pieceKind int

const (
	pieceText     pieceKind = iota // the literal text
	pieceString                    // a string field, as is
	pieceInt                       // an int field, in decimal
	pieceJoin                      // join of a []string field with sep
	pieceJSON                      // json of a field
	pieceRFC3339                   // rfc3339 of a time field
	pieceUnix                      // unix of a time field
	pieceRange                     // body for each element of a []string field
	pieceElem                      // inside a range: the element, as is
	pieceElemJSON                  // inside a range: json of the element
	pieceIfIndex                   // inside a range: body unless the index is 0
)

type piece struct {
	kind  pieceKind
	text  string  // pieceText: the text; pieceJoin: the separator
	field string  // the TemplateData field read
	body  []piece // pieceRange, pieceIfIndex
}

// rangeVars names what a range body may refer to: dot and the declared
// variables.
type rangeVars struct {
	index, elem string // "" when not declared
}

type fastTemplate []piece

// fieldKind is the kind of the TemplateData fields a fast template reads.
var fieldKind = map[string]string{
	"Key": "string", "Cursor": "string",
	"Limit": "int", "Page": "int", "Offset": "int",
	"Keys": "strings", "Emails": "strings", "Phones": "strings", "WhatsApps": "strings",
	"LoyaltyCards": "strings", "SocialHandles": "strings",
	"Since": "time", "Until": "time",
}

func (d *TemplateData) stringField(name string) string {
	if name == "Cursor" {
		return d.Cursor
	}
	return d.Key
}

func (d *TemplateData) intField(name string) int {
	switch name {
	case "Page":
		return d.Page
	case "Offset":
		return d.Offset
	}
	return d.Limit
}

func (d *TemplateData) stringsField(name string) []string {
	switch name {
	case "Emails":
		return d.Emails
	case "Phones":
		return d.Phones
	case "WhatsApps":
		return d.WhatsApps
	case "LoyaltyCards":
		return d.LoyaltyCards
	case "SocialHandles":
		return d.SocialHandles
	}
	return d.Keys
}

func (d *TemplateData) timeField(name string) time.Time {
	if name == "Until" {
		return d.Until
	}
	return d.Since
}

// compileFast returns t as a fast template, or false when t uses more than
// the fast templates know.
func compileFast(t *template.Template) (fastTemplate, bool) {
	if t == nil || t.Tree == nil || t.Tree.Root == nil {
		return nil, false
	}
	return compileList(t.Tree.Root, nil)
}

// compileList compiles the nodes of a list; in is the enclosing range's
// variables, nil at the top level.
func compileList(l *parse.ListNode, in *rangeVars) (fastTemplate, bool) {
	if l == nil {
		return nil, true
	}
	var out fastTemplate
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			out = append(out, piece{kind: pieceText, text: string(n.Text)})
		case *parse.ActionNode:
			var p piece
			var ok bool
			if in == nil {
				p, ok = compileAction(n.Pipe)
			} else {
				p, ok = compileElemAction(n.Pipe, in)
			}
			if !ok {
				return nil, false
			}
			out = append(out, p)
		case *parse.RangeNode:
			p, ok := compileRange(n, in)
			if !ok {
				return nil, false
			}
			out = append(out, p)
		case *parse.IfNode:
			p, ok := compileIfIndex(n, in)
			if !ok {
				return nil, false
			}
			out = append(out, p)
		default:
			return nil, false
		}
	}
	return out, true
}

// compileRange takes {{range .Keys}}, {{range $k := .Keys}} and {{range
// $i, $k := .Keys}} over a []string field, without else, at the top level.
func compileRange(n *parse.RangeNode, in *rangeVars) (piece, bool) {
	p := n.Pipe
	if in != nil || n.ElseList != nil || p == nil || p.IsAssign || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return piece{}, false
	}
	name, kind, ok := field(p.Cmds[0].Args[0])
	if !ok || kind != "strings" {
		return piece{}, false
	}
	vars := &rangeVars{}
	switch len(p.Decl) {
	case 0:
	case 1:
		vars.elem = p.Decl[0].Ident[0]
	case 2:
		vars.index, vars.elem = p.Decl[0].Ident[0], p.Decl[1].Ident[0]
	default:
		return piece{}, false
	}
	body, ok := compileList(n.List, vars)
	if !ok {
		return piece{}, false
	}
	return piece{kind: pieceRange, field: name, body: body}, true
}

// compileIfIndex takes {{if $i}}text{{end}} inside a range, $i being its
// index variable.
func compileIfIndex(n *parse.IfNode, in *rangeVars) (piece, bool) {
	p := n.Pipe
	if in == nil || in.index == "" || n.ElseList != nil || p == nil || len(p.Decl) != 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return piece{}, false
	}
	v, ok := p.Cmds[0].Args[0].(*parse.VariableNode)
	if !ok || len(v.Ident) != 1 || v.Ident[0] != in.index {
		return piece{}, false
	}
	for _, b := range n.List.Nodes {
		if _, isText := b.(*parse.TextNode); !isText {
			return piece{}, false
		}
	}
	body, ok := compileList(n.List, in)
	if !ok {
		return piece{}, false
	}
	return piece{kind: pieceIfIndex, body: body}, true
}

// isElem reports whether n is the range's element: dot, or its element
// variable.
func isElem(n parse.Node, in *rangeVars) bool {
	switch n := n.(type) {
	case *parse.DotNode:
		return true
	case *parse.VariableNode:
		return in.elem != "" && len(n.Ident) == 1 && n.Ident[0] == in.elem
	}
	return false
}

// compileElemAction takes {{$k}}, {{.}}, {{json $k}} and {{json .}} inside
// a range.
func compileElemAction(p *parse.PipeNode, in *rangeVars) (piece, bool) {
	if p == nil || p.IsAssign || len(p.Decl) != 0 || len(p.Cmds) != 1 {
		return piece{}, false
	}
	args := p.Cmds[0].Args
	switch len(args) {
	case 1:
		if isElem(args[0], in) {
			return piece{kind: pieceElem}, true
		}
	case 2:
		if fn, ok := args[0].(*parse.IdentifierNode); ok && fn.Ident == "json" && isElem(args[1], in) {
			return piece{kind: pieceElemJSON}, true
		}
	}
	return piece{}, false
}

// field returns the name of a one-level field reference such as .Key.
func field(n parse.Node) (name, kind string, ok bool) {
	f, isField := n.(*parse.FieldNode)
	if !isField || len(f.Ident) != 1 {
		return "", "", false
	}
	kind, ok = fieldKind[f.Ident[0]]
	return f.Ident[0], kind, ok
}

func compileAction(p *parse.PipeNode) (piece, bool) {
	if p == nil || p.IsAssign || len(p.Decl) != 0 || len(p.Cmds) != 1 {
		return piece{}, false
	}
	args := p.Cmds[0].Args
	if len(args) == 1 {
		name, kind, ok := field(args[0])
		switch {
		case !ok:
		case kind == "string":
			return piece{kind: pieceString, field: name}, true
		case kind == "int":
			return piece{kind: pieceInt, field: name}, true
		}
		return piece{}, false
	}
	fn, ok := args[0].(*parse.IdentifierNode)
	if !ok {
		return piece{}, false
	}
	name, kind, ok := field(args[1])
	if !ok {
		return piece{}, false
	}
	switch {
	case fn.Ident == "join" && len(args) == 3 && kind == "strings":
		sep, ok := args[2].(*parse.StringNode)
		if !ok {
			return piece{}, false
		}
		return piece{kind: pieceJoin, field: name, text: sep.Text}, true
	case len(args) != 2:
	case fn.Ident == "json":
		return piece{kind: pieceJSON, field: name}, true
	case fn.Ident == "rfc3339" && kind == "time":
		return piece{kind: pieceRFC3339, field: name}, true
	case fn.Ident == "unix" && kind == "time":
		return piece{kind: pieceUnix, field: name}, true
	}
	return piece{}, false
}

// execute writes the template for d to b. Its only error is json's.
func (f fastTemplate) execute(b *strings.Builder, d *TemplateData) error {
	return f.run(b, d, 0, "")
}

// run writes the pieces; i and elem are the enclosing range's index and
// element.
func (f fastTemplate) run(b *strings.Builder, d *TemplateData, i int, elem string) error {
	for _, p := range f {
		switch p.kind {
		case pieceText:
			b.WriteString(p.text)
		case pieceString:
			b.WriteString(d.stringField(p.field))
		case pieceInt:
			b.WriteString(strconv.Itoa(d.intField(p.field)))
		case pieceJoin:
			writeJoined(b, d.stringsField(p.field), p.text)
		case pieceJSON:
			s, err := jsonFunc(jsonArg(d, p.field))
			if err != nil {
				return err
			}
			b.WriteString(s)
		case pieceRFC3339:
			b.WriteString(rfc3339Func(d.timeField(p.field)))
		case pieceUnix:
			b.WriteString(unixFunc(d.timeField(p.field)))
		case pieceRange:
			for j, e := range d.stringsField(p.field) {
				if err := fastTemplate(p.body).run(b, d, j, e); err != nil {
					return err
				}
			}
		case pieceElem:
			b.WriteString(elem)
		case pieceElemJSON:
			s, err := jsonFunc(elem)
			if err != nil {
				return err
			}
			b.WriteString(s)
		case pieceIfIndex:
			if i != 0 {
				if err := fastTemplate(p.body).run(b, d, i, elem); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// writeJoined writes what strings.Join (join) returns.
func writeJoined(b *strings.Builder, elems []string, sep string) {
	for i, e := range elems {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(e)
	}
}

// jsonArg is the field json is given, with its own type, as text/template
// would pass it.
func jsonArg(d *TemplateData, name string) any {
	switch fieldKind[name] {
	case "string":
		return d.stringField(name)
	case "int":
		return d.intField(name)
	case "strings":
		return d.stringsField(name)
	}
	return d.timeField(name)
}
