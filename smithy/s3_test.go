package smithy_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv/awsmock"
	"github.com/toolgate/toolgate/smithy"
)

// TestS3 drives s3rver (restXml) with the corpus S3 model through the
// gateway. s3rver verifies SigV4 signatures, so every call also checks the
// signing of S3 requests (signing name s3, path as sent).
func TestS3(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	endpoint := awsmock.Start(t, awsmock.S3rver)
	awsEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", awsmock.S3rverAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsmock.S3rverSecretAccessKey)
	m, err := smithy.LoadFile(corpusModel(t, "aws/s3-2006-03-01.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{base: http.DefaultTransport}
	tg, err := smithy.New(ctx, m, &smithy.Options{Endpoint: endpoint, HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Name() != "s3" || tg.Protocol() != smithy.RestXML {
		t.Fatalf("target %q speaking %s", tg.Name(), tg.Protocol())
	}
	cs := connect(ctx, t, tg)

	res, _, text := call(ctx, t, cs, "s3___CreateBucket", map[string]any{"Bucket": "photos"})
	mustOK(t, "CreateBucket", res, text)
	if got := rec.header("Authorization"); !strings.Contains(got, "Credential=S3RVER/") || !strings.Contains(got, "/us-east-1/s3/aws4_request") {
		t.Errorf("Authorization %q", got)
	}

	content := "a picture, \x00\xff and all"
	res, sc, text := call(ctx, t, cs, "s3___PutObject", map[string]any{
		"Bucket": "photos", "Key": "2024/summer trip/beach.jpg",
		"Body":        base64.StdEncoding.EncodeToString([]byte(content)),
		"ContentType": "image/jpeg",
		"Metadata":    map[string]string{"camera": "x100"},
	})
	mustOK(t, "PutObject", res, text)
	if rec.uri != "/photos/2024/summer%20trip/beach.jpg?x-id=PutObject" {
		t.Errorf("PutObject URI %s", rec.uri)
	}
	etag, _ := sc["ETag"].(string)
	if etag == "" {
		t.Errorf("PutObject ETag missing: %s", text)
	}

	res, sc, text = call(ctx, t, cs, "s3___GetObject", map[string]any{"Bucket": "photos", "Key": "2024/summer trip/beach.jpg"})
	mustOK(t, "GetObject", res, text)
	body, _ := base64.StdEncoding.DecodeString(path(sc, "Body").(string))
	if string(body) != content || sc["ContentType"] != "image/jpeg" || sc["ETag"] != etag ||
		path(sc, "ContentLength") != float64(len(content)) || path(sc, "Metadata", "camera") != "x100" {
		t.Errorf("GetObject: %v", sc)
	}
	if _, ok := sc["LastModified"].(string); !ok {
		t.Errorf("GetObject LastModified (an HTTP date header) %v", sc["LastModified"])
	}

	res, _, text = call(ctx, t, cs, "s3___PutObject", map[string]any{"Bucket": "photos", "Key": "2024/notes.txt", "Body": base64.StdEncoding.EncodeToString([]byte("hi"))})
	mustOK(t, "PutObject", res, text)
	res, sc, text = call(ctx, t, cs, "s3___ListObjectsV2", map[string]any{"Bucket": "photos", "Prefix": "2024/", "Delimiter": "/"})
	mustOK(t, "ListObjectsV2", res, text)
	// (s3rver's KeyCount leaves out common prefixes, which S3 counts.)
	if _, ok := path(sc, "KeyCount").(float64); !ok || path(sc, "Name") != "photos" || path(sc, "IsTruncated") != false ||
		path(sc, "Contents", 0, "Key") != "2024/notes.txt" || path(sc, "Contents", 0, "Size") != float64(2) ||
		path(sc, "CommonPrefixes", 0, "Prefix") != "2024/summer trip/" {
		t.Errorf("ListObjectsV2: %s", text)
	}
	if ts, _ := path(sc, "Contents", 0, "LastModified").(string); !strings.HasPrefix(ts, "20") {
		t.Errorf("LastModified %v, want an ISO 8601 date-time", path(sc, "Contents", 0, "LastModified"))
	}
	res, sc, text = call(ctx, t, cs, "s3___ListBuckets", map[string]any{})
	mustOK(t, "ListBuckets", res, text)
	if path(sc, "Buckets", 0, "Name") != "photos" {
		t.Errorf("ListBuckets: %s", text)
	}

	// Errors: an S3 <Error> body, and a HEAD with none.
	res, _, text = call(ctx, t, cs, "s3___GetObject", map[string]any{"Bucket": "photos", "Key": "missing.jpg"})
	if !res.IsError || !strings.HasPrefix(text, "NoSuchKey: ") || !strings.Contains(text, "HTTP 404") {
		t.Errorf("GetObject of a missing key: isError=%v %q", res.IsError, text)
	}
	res, _, text = call(ctx, t, cs, "s3___HeadObject", map[string]any{"Bucket": "photos", "Key": "missing.jpg"})
	if !res.IsError || !strings.Contains(text, "HTTP 404") {
		t.Errorf("HeadObject of a missing key: isError=%v %q", res.IsError, text)
	}

	// An XML payload both ways, with flattened lists and a required
	// checksum (Content-MD5).
	res, _, text = call(ctx, t, cs, "s3___PutBucketCors", map[string]any{"Bucket": "photos", "CORSConfiguration": map[string]any{
		"CORSRules": []any{map[string]any{
			"AllowedMethods": []string{"GET", "HEAD"}, "AllowedOrigins": []string{"https://example.com"}, "MaxAgeSeconds": 600,
		}},
	}})
	mustOK(t, "PutBucketCors", res, text)
	if rec.header("Content-MD5") == "" || rec.header("Content-Type") != "application/xml" {
		t.Errorf("PutBucketCors headers %v", rec.last)
	}
	res, sc, text = call(ctx, t, cs, "s3___GetBucketCors", map[string]any{"Bucket": "photos"})
	mustOK(t, "GetBucketCors", res, text)
	if path(sc, "CORSRules", 0, "AllowedMethods", 1) != "HEAD" || path(sc, "CORSRules", 0, "AllowedOrigins", 0) != "https://example.com" ||
		path(sc, "CORSRules", 0, "MaxAgeSeconds") != float64(600) {
		t.Errorf("GetBucketCors: %s", text)
	}

	res, _, text = call(ctx, t, cs, "s3___DeleteObject", map[string]any{"Bucket": "photos", "Key": "2024/notes.txt"})
	mustOK(t, "DeleteObject", res, text)
	res, sc, text = call(ctx, t, cs, "s3___ListObjectsV2", map[string]any{"Bucket": "photos"})
	mustOK(t, "ListObjectsV2", res, text)
	if path(sc, "KeyCount") != float64(1) {
		t.Errorf("after DeleteObject: %s", text)
	}
}
