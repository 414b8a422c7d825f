package smithy_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/smithy"
)

// ec2Model is a slice of the EC2 model's shapes (ec2Query): a list of
// filters with lower-case member names and @ec2QueryName, and an <item>
// list in the response.
const ec2Model = `{"smithy":"2.0","shapes":{
 "com.amazonaws.ec2#AmazonEC2":{"type":"service","version":"2016-11-15","operations":[{"target":"com.amazonaws.ec2#DescribeVpcs"}],
   "traits":{"aws.protocols#ec2Query":{},"aws.auth#sigv4":{"name":"ec2"},"aws.api#service":{"sdkId":"EC2","endpointPrefix":"ec2"}}},
 "com.amazonaws.ec2#DescribeVpcs":{"type":"operation","input":{"target":"com.amazonaws.ec2#DescribeVpcsRequest"},"output":{"target":"com.amazonaws.ec2#DescribeVpcsResult"}},
 "com.amazonaws.ec2#DescribeVpcsRequest":{"type":"structure","members":{
   "Filters":{"target":"com.amazonaws.ec2#FilterList","traits":{"smithy.api#xmlName":"Filter"}},
   "VpcIds":{"target":"com.amazonaws.ec2#VpcIdStringList","traits":{"aws.protocols#ec2QueryName":"VpcId","smithy.api#xmlName":"VpcId"}},
   "dryRun":{"target":"smithy.api#Boolean"}}},
 "com.amazonaws.ec2#FilterList":{"type":"list","member":{"target":"com.amazonaws.ec2#Filter","traits":{"smithy.api#xmlName":"Filter"}}},
 "com.amazonaws.ec2#Filter":{"type":"structure","members":{"Name":{"target":"smithy.api#String"},"Values":{"target":"com.amazonaws.ec2#ValueStringList","traits":{"smithy.api#xmlName":"Value"}}}},
 "com.amazonaws.ec2#ValueStringList":{"type":"list","member":{"target":"smithy.api#String","traits":{"smithy.api#xmlName":"item"}}},
 "com.amazonaws.ec2#VpcIdStringList":{"type":"list","member":{"target":"smithy.api#String","traits":{"smithy.api#xmlName":"VpcId"}}},
 "com.amazonaws.ec2#DescribeVpcsResult":{"type":"structure","members":{
   "Vpcs":{"target":"com.amazonaws.ec2#VpcList","traits":{"aws.protocols#ec2QueryName":"VpcSet","smithy.api#xmlName":"vpcSet"}}}},
 "com.amazonaws.ec2#VpcList":{"type":"list","member":{"target":"com.amazonaws.ec2#Vpc","traits":{"smithy.api#xmlName":"item"}}},
 "com.amazonaws.ec2#Vpc":{"type":"structure","members":{
   "VpcId":{"target":"smithy.api#String","traits":{"aws.protocols#ec2QueryName":"VpcId","smithy.api#xmlName":"vpcId"}},
   "IsDefault":{"target":"smithy.api#Boolean","traits":{"aws.protocols#ec2QueryName":"IsDefault","smithy.api#xmlName":"isDefault"}}}}
}}`

func TestEC2Query(t *testing.T) {
	be := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_ = r.ParseForm()
		if r.PostForm.Get("VpcId.1") == "vpc-missing" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID 'vpc-missing' does not exist</Message></Error></Errors><RequestID>1</RequestID></Response>`)
			return
		}
		_, _ = io.WriteString(w, `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>7a62c49f</requestId>
<vpcSet><item><vpcId>vpc-1a2b3c4d</vpcId><isDefault>false</isDefault></item><item><vpcId>vpc-2</vpcId><isDefault>true</isDefault></item></vpcSet>
</DescribeVpcsResponse>`)
	})
	m, err := smithy.Parse([]byte(ec2Model))
	if err != nil {
		t.Fatal(err)
	}
	tg, err := smithy.New(context.Background(), m, &smithy.Options{Endpoint: be.srv.URL, Credentials: credentials.None()})
	if err != nil {
		t.Fatal(err)
	}
	res, sc, text := callTarget(t, tg, "DescribeVpcs", map[string]any{
		"Filters": []any{map[string]any{"Name": "tag:env", "Values": []string{"prod", "test"}}},
		"VpcIds":  []string{"vpc-1a2b3c4d"}, "dryRun": false,
	})
	if res.IsError {
		t.Fatal(text)
	}
	want := url.Values{"Action": {"DescribeVpcs"}, "Version": {"2016-11-15"},
		"Filter.1.Name": {"tag:env"}, "Filter.1.Value.1": {"prod"}, "Filter.1.Value.2": {"test"},
		"VpcId.1": {"vpc-1a2b3c4d"}, "DryRun": {"false"}}
	if got, _ := url.ParseQuery(be.request().body); got.Encode() != want.Encode() {
		t.Errorf("form\n%s\nwant\n%s", got.Encode(), want.Encode())
	}
	if s := mustJSON(sc); s != `{"Vpcs":[{"IsDefault":false,"VpcId":"vpc-1a2b3c4d"},{"IsDefault":true,"VpcId":"vpc-2"}]}` {
		t.Errorf("output %s", s)
	}
	res, _, text = callTarget(t, tg, "DescribeVpcs", map[string]any{"VpcIds": []string{"vpc-missing"}})
	if !res.IsError || text != "InvalidVpcID.NotFound: The vpc ID 'vpc-missing' does not exist (HTTP 400 Bad Request)" {
		t.Errorf("error: %q", text)
	}
}
