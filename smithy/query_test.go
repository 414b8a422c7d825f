package smithy_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate/smithy"
)

// TestAWSQuery calls SNS (awsQuery, corpus model) through the gateway
// against a server that checks the form encoding and answers in SNS's XML:
// maps with renamed keys and values, lists of structures, nested results,
// and an <ErrorResponse>.
func TestAWSQuery(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	be := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_ = r.ParseForm()
		switch r.PostForm.Get("Action") {
		case "CreateTopic":
			_, _ = io.WriteString(w, `<CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:123456789012:orders</TopicArn></CreateTopicResult>
  <ResponseMetadata><RequestId>a8dec8b3</RequestId></ResponseMetadata>
</CreateTopicResponse>`)
		case "Publish":
			_, _ = io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
</PublishResponse>`)
		case "ListTopics":
			_, _ = io.WriteString(w, `<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <ListTopicsResult>
    <Topics>
      <member><TopicArn>arn:aws:sns:us-east-1:123456789012:orders</TopicArn></member>
      <member><TopicArn>arn:aws:sns:us-east-1:123456789012:returns</TopicArn></member>
    </Topics>
    <NextToken>t2</NextToken>
  </ListTopicsResult>
</ListTopicsResponse>`)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error>
  <RequestId>9dd01905</RequestId>
</ErrorResponse>`)
		}
	})
	form := func() url.Values {
		v, _ := url.ParseQuery(be.request().body)
		return v
	}
	awsEnv(t)
	m, err := smithy.LoadFile(corpusModel(t, "aws/sns-2010-03-31.json"))
	if err != nil {
		t.Fatal(err)
	}
	tg, err := smithy.New(ctx, m, &smithy.Options{Endpoint: be.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Name() != "sns" || tg.Protocol() != smithy.AWSQuery {
		t.Fatalf("target %q speaking %s", tg.Name(), tg.Protocol())
	}
	cs := connect(ctx, t, tg)

	res, sc, text := call(ctx, t, cs, "sns___CreateTopic", map[string]any{
		"Name":       "orders",
		"Attributes": map[string]string{"DisplayName": "Orders", "FifoTopic": "false"},
		"Tags":       []any{map[string]any{"Key": "team", "Value": "shop"}, map[string]any{"Key": "env", "Value": "test"}},
	})
	mustOK(t, "CreateTopic", res, text)
	want := url.Values{
		"Action": {"CreateTopic"}, "Version": {"2010-03-31"}, "Name": {"orders"},
		"Attributes.entry.1.key": {"DisplayName"}, "Attributes.entry.1.value": {"Orders"},
		"Attributes.entry.2.key": {"FifoTopic"}, "Attributes.entry.2.value": {"false"},
		"Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"shop"},
		"Tags.member.2.Key": {"env"}, "Tags.member.2.Value": {"test"},
	}
	if form().Encode() != want.Encode() {
		t.Errorf("CreateTopic form\n%s\nwant\n%s", form().Encode(), want.Encode())
	}
	if got := be.request().header.Get("Content-Type"); got != "application/x-www-form-urlencoded; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if got := be.request().header.Get("Authorization"); !strings.Contains(got, "/us-east-1/sns/aws4_request") {
		t.Errorf("Authorization %q", got)
	}
	if sc["TopicArn"] != "arn:aws:sns:us-east-1:123456789012:orders" {
		t.Errorf("CreateTopic: %s", text)
	}

	res, sc, text = call(ctx, t, cs, "sns___Publish", map[string]any{
		"TopicArn": "arn:aws:sns:us-east-1:123456789012:orders", "Message": "hello & welcome",
		"MessageAttributes": map[string]any{"kind": map[string]any{"DataType": "String", "StringValue": "greeting"}},
	})
	mustOK(t, "Publish", res, text)
	if f := form(); f.Get("Message") != "hello & welcome" || f.Get("MessageAttributes.entry.1.Name") != "kind" ||
		f.Get("MessageAttributes.entry.1.Value.DataType") != "String" || f.Get("MessageAttributes.entry.1.Value.StringValue") != "greeting" {
		t.Errorf("Publish form %s", f.Encode())
	}
	if sc["MessageId"] != "94f20ce6-13c5-43a0-9a9e-ca52d816e90b" {
		t.Errorf("Publish: %s", text)
	}

	res, sc, text = call(ctx, t, cs, "sns___ListTopics", map[string]any{})
	mustOK(t, "ListTopics", res, text)
	if path(sc, "Topics", 1, "TopicArn") != "arn:aws:sns:us-east-1:123456789012:returns" || sc["NextToken"] != "t2" {
		t.Errorf("ListTopics: %s", text)
	}

	res, _, text = call(ctx, t, cs, "sns___DeleteTopic", map[string]any{"TopicArn": "arn:aws:sns:us-east-1:123456789012:nope"})
	if !res.IsError || text != "NotFound: Topic does not exist (HTTP 404 Not Found)" {
		t.Errorf("DeleteTopic: isError=%v %q", res.IsError, text)
	}
}
